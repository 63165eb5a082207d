"""A scope's state: the one place that wraps it, and this process's state for scopes without one."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from django_lifespan_ctx._engine.process import process_wide
from django_lifespan_ctx._engine.state import State, blank_state, fill_state, wrap_state

# The state of the lifespan that started last in this process, for scopes
# that carry none of their own (Channels consumers under daphne).
_process_state: dict[str, Any] = {}


def set_process_state(state: dict[str, Any]) -> None:
    global _process_state
    _process_state = state


@process_wide
def _reset() -> None:
    set_process_state({})


def state_for_scope(scope: Any) -> State:
    """The State of a request scope: the same object on every call for that scope.

    The one place that wraps a scope's state: ``request.state`` and
    ``current_state()`` both come through here. The first call replaces the
    scope's ``state`` dict (the server's per-request copy) with a State over
    it, so the scope, the request and current_state() share one object.
    """
    state = scope.get("state")
    if type(state) is State:
        return state
    # State(...) without its Python frame; LifespanASGIRequest.state does the same.
    source: dict[str, Any] = {} if state is None else state
    scope["state"] = new = blank_state(State)
    fill_state(new, source)
    wrap_state(new, source)
    return new


def state_from_scope(scope: MutableMapping[str, Any]) -> State:
    """The lifespan State for an ASGI scope, such as a Channels consumer's.

    Servers with lifespan state support put a copy in every scope. A scope
    without one gets its own shallow copy of this process's lifespan state.
    """
    if "state" not in scope:
        scope["state"] = _process_state.copy()
    return state_for_scope(scope)
