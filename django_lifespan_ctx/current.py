"""current_state(): the lifespan State of whatever is running now."""

from __future__ import annotations

from collections.abc import MutableMapping
from contextvars import ContextVar, Token
from typing import Any

from .state import State, state_for_scope

# Set by the handler for each request it serves; copied into the threads
# that asgiref runs sync views in, like every context variable.
request_scope: ContextVar[MutableMapping[str, Any] | None] = ContextVar(
    "django_lifespan_ctx.request_scope", default=None
)
# Set by lifespan() (and so the test helpers and commands) for the code inside it.
hosted_state: ContextVar[State | None] = ContextVar("django_lifespan_ctx.hosted_state", default=None)


def enter_hosted(state: State) -> Token[State | None]:
    return hosted_state.set(state)


def leave_hosted(token: Token[State | None]) -> None:
    try:
        hosted_state.reset(token)
    except ValueError:
        # Exited in another context than it was entered in (a fixture torn
        # down by another task): that context ends with its task anyway.
        pass


def current_state() -> State:
    scope = request_scope.get()
    if scope is not None:
        return state_for_scope(scope)
    hosted = hosted_state.get()
    if hosted is not None:
        return hosted
    raise LookupError(
        "No lifespan state here: current_state() works inside a request served by "
        "django_lifespan_ctx.asgi.get_asgi_application(), inside `async with lifespan()`, "
        "in a LifespanCommand, and in a process that called start_in_thread()."
    )
