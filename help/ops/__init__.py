"""Operations: the Ollama probe, health, warm-up and the Prometheus exposition."""
