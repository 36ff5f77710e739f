"""Answering one question: the pipeline, its background pool, the prompt, the fallback,
the exact answer cache and the question log."""
