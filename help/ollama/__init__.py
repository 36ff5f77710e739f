"""The Ollama client and its error kinds: the only code that speaks HTTP to Ollama."""
