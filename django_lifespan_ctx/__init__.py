"""ASGI lifespan contexts for Django: open resources at server start, close them at stop."""

from __future__ import annotations

from ._engine.hosts import lifespan
from .contexts import LifespanEntry
from .current import CurrentStateMiddleware, current_state
from .draining import is_draining, wait_for_drain
from .exceptions import Failure, LifespanShutdownError, LifespanStartupError, LifespanStoppedError
from .hints import install_state_hint
from .httprequest import LifespanHttpRequest, StateMapping
from .registry import register_context
from .state import State, state_from_scope
from .threaded import LifespanThread, start_in_thread

# request.state on a request our handler did not serve explains itself even where the app is
# not in INSTALLED_APPS (so its ready() never runs), as long as the project imports us.
install_state_hint()

__all__ = [
    "CurrentStateMiddleware",
    "Failure",
    "LifespanEntry",
    "LifespanHttpRequest",
    "LifespanShutdownError",
    "LifespanStartupError",
    "LifespanStoppedError",
    "LifespanThread",
    "State",
    "StateMapping",
    "current_state",
    "is_draining",
    "lifespan",
    "register_context",
    "start_in_thread",
    "state_from_scope",
    "wait_for_drain",
]
