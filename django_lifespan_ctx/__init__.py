"""ASGI lifespan contexts for Django: open resources at server start, close them at stop."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._engine.hosts import lifespan
    from ._keys import StateKey
    from .contexts import LifespanEntry
    from .current import CurrentStateMiddleware, current_state
    from .draining import is_draining, wait_for_drain
    from .exceptions import Failure, LifespanShutdownError, LifespanStartupError, LifespanStoppedError
    from .httprequest import LifespanHttpRequest, StateMapping
    from .registry import register_context
    from .state import State, state_from_scope
    from .threaded import LifespanThread, start_in_thread

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
    "StateKey",
    "StateMapping",
    "current_state",
    "is_draining",
    "lifespan",
    "register_context",
    "start_in_thread",
    "state_from_scope",
    "wait_for_drain",
]

# Where each public name lives. They are imported on first use: pytest imports this
# package in every run of every project that installs it (the pytest11 entry point),
# and that must not cost Django's ORM, the engine and the servers' signals.
_HOMES = {
    "lifespan": "._engine.hosts",
    "StateKey": "._keys",
    "LifespanEntry": ".contexts",
    "CurrentStateMiddleware": ".current",
    "current_state": ".current",
    "is_draining": ".draining",
    "wait_for_drain": ".draining",
    "Failure": ".exceptions",
    "LifespanShutdownError": ".exceptions",
    "LifespanStartupError": ".exceptions",
    "LifespanStoppedError": ".exceptions",
    "LifespanHttpRequest": ".httprequest",
    "StateMapping": ".httprequest",
    "register_context": ".registry",
    "State": ".state",
    "state_from_scope": ".state",
    "LifespanThread": ".threaded",
    "start_in_thread": ".threaded",
}


def __getattr__(name: str) -> Any:
    try:
        home = _HOMES[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(import_module(home, __name__), name)
    # A project that uses us, even without the app in INSTALLED_APPS (so no ready()),
    # gets the error that explains request.state on a request our handler did not serve.
    from .hints import install_state_hint

    install_state_hint()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
