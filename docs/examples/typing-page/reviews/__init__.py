# reviews/__init__.py
"""A reusable app: it ships a client for a reviews service, under a typed key."""
