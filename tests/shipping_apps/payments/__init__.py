"""A reusable app that ships one context: a payments API client."""
