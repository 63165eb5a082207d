"""ASGI lifespan contexts for Django: open resources at server start, close them at stop."""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django_lifespan_ctx._config.keys import StateKey
    from django_lifespan_ctx._config.registry import register_context
    from django_lifespan_ctx._engine.exceptions import (
        Failure,
        LifespanShutdownError,
        LifespanStartupError,
        LifespanStoppedError,
    )
    from django_lifespan_ctx._engine.state import State, StateMapping
    from django_lifespan_ctx._serving.draining import is_draining, wait_for_drain
    from django_lifespan_ctx._serving.setup import lifespan
    from django_lifespan_ctx._serving.state.lookups import CurrentStateMiddleware, current_state
    from django_lifespan_ctx._serving.state.request import LifespanHttpRequest
    from django_lifespan_ctx._serving.state.scope import state_from_scope
    from django_lifespan_ctx.contexts import LifespanEntry
    from django_lifespan_ctx.threaded import LifespanThread, start_in_thread

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
    "lifespan": "._serving.setup",
    "StateKey": "._config.keys",
    "LifespanEntry": ".contexts",
    "CurrentStateMiddleware": "._serving.state.lookups",
    "current_state": "._serving.state.lookups",
    "is_draining": "._serving.draining",
    "wait_for_drain": "._serving.draining",
    "Failure": "._engine.exceptions",
    "LifespanShutdownError": "._engine.exceptions",
    "LifespanStartupError": "._engine.exceptions",
    "LifespanStoppedError": "._engine.exceptions",
    "LifespanHttpRequest": "._serving.state.request",
    "StateMapping": "._engine.state",
    "register_context": "._config.registry",
    "State": "._engine.state",
    "state_from_scope": "._serving.state.scope",
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
    from django_lifespan_ctx._serving.state.missing import install_state_hint

    install_state_hint()
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
