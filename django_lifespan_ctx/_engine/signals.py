"""asgi_startup and asgi_shutdown: the raw signals sent around the lifespan contexts."""

from __future__ import annotations

from django.dispatch import Signal

asgi_startup = Signal()
"""Sent after every lifespan context has been entered.

Keyword arguments: ``scope`` (the lifespan scope) and ``state`` (the State
being built; keys a receiver adds reach every request).
"""

asgi_shutdown = Signal()
"""Sent before any lifespan context is exited, with the same arguments as asgi_startup."""
