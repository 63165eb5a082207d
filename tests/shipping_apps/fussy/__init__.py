"""A reusable app whose lifespan_contexts refuses the project's settings with an exception of its own."""
