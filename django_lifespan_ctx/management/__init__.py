from __future__ import annotations

from .base import LifespanCommand

__all__ = ["LifespanCommand"]
