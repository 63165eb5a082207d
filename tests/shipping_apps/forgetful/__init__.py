"""A reusable app whose lifespan_contexts reads a setting the project forgot: AttributeError inside."""
