"""State every process shares through the cache: the fail-safe wrapper, single flight, the
circuit breaker, rate limits and metrics."""
