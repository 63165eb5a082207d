"""ASGI lifespan contexts for Django: open resources at server start, close them at stop."""

from __future__ import annotations

from .exceptions import Failure, LifespanShutdownError, LifespanStartupError
from .hosted import lifespan
from .registry import register_context
from .state import State, state_from_scope

__all__ = [
    "Failure",
    "LifespanShutdownError",
    "LifespanStartupError",
    "State",
    "lifespan",
    "register_context",
    "state_from_scope",
]
