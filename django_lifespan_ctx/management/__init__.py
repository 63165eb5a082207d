"""LifespanCommand: a management command whose ahandle() runs inside the project's lifespan."""

from __future__ import annotations

from .base import LifespanCommand

__all__ = ["LifespanCommand"]
