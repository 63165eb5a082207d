"""asgi_startup and asgi_shutdown: the raw signals sent around the lifespan contexts."""

from __future__ import annotations

from django_lifespan_ctx._engine.signals import asgi_shutdown, asgi_startup

__all__ = ["asgi_shutdown", "asgi_startup"]
