"""current_state(): the lifespan State of whatever is running now."""

from __future__ import annotations

from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

from .state import State, state_for_scope

# Set by the handler for each request it serves; copied into the threads
# that asgiref runs sync views in, like every context variable.
request_scope: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "django_lifespan_ctx.request_scope", default=None
)


def current_state() -> State:
    scope = request_scope.get()
    if scope is not None:
        return state_for_scope(scope)
    raise LookupError(
        "No lifespan state here: current_state() works inside a request served by "
        "django_lifespan_ctx.asgi.get_asgi_application(), inside `async with lifespan()`, "
        "in a LifespanCommand, and in a process that called start_in_thread()."
    )
