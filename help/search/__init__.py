"""Search over the help articles: text folding, word forms, the index and the articles version."""
