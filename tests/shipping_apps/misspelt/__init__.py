"""A reusable app whose lifespan_contexts names a context that does not exist."""
