"""LifespanCommand: a management command whose ahandle() runs inside the project's lifespan."""

from __future__ import annotations

from django_lifespan_ctx.management._base import LifespanCommand

__all__ = ["LifespanCommand"]
