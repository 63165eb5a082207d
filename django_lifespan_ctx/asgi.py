"""The ASGI entry point: [`get_asgi_application()`][django_lifespan_ctx.asgi.get_asgi_application],
Django's handler with the lifespan protocol."""

from __future__ import annotations

import django

from django_lifespan_ctx.handler import LifespanASGIHandler


def get_asgi_application() -> LifespanASGIHandler:
    """Like django.core.asgi.get_asgi_application(), with the lifespan protocol."""
    django.setup(set_prefix=False)
    return LifespanASGIHandler()
