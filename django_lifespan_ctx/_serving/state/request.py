"""request.state: the request class our handler serves, and the type views annotate it with."""

from __future__ import annotations

from typing import Any, Generic, cast

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest

from django_lifespan_ctx._engine.state import State, StateT, blank_state, fill_state, wrap_state


class LifespanASGIRequest(ASGIRequest):
    @property
    def state(self) -> State:
        # A property, not a cached attribute: a new attribute on the request
        # makes CPython give it a dict of its own, which costs every request
        # that reads the state more than this lookup does on each read.
        # Requests that never read the state pay nothing.
        # django-stubs says Mapping; it is the server's dict (no cast(): a call).
        scope: dict[str, Any] = self.scope  # type: ignore[assignment]
        state = scope["state"]  # Our handler gives every request scope one.
        if type(state) is State:
            return state
        # The first read wraps the server's per-request copy: state_for_scope(),
        # inlined, since calling it would put one more Python frame on the path.
        scope["state"] = new = blank_state(State)
        fill_state(new, state)
        wrap_state(new, state)
        return new

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        # django-asgi-lifespan's middleware does `request.state = scope["state"]`:
        # a project moving over with it still listed keeps working.
        cast("dict[str, Any]", self.scope)["state"] = value


class LifespanHttpRequest(HttpRequest, Generic[StateT]):
    """Annotate views with ``LifespanHttpRequest[ProjectState]`` to type ``request.state``.

    ``ProjectState`` is a ``Protocol`` (read ``request.state.key``) or a
    ``TypedDict`` (read ``request.state["key"]``); LIFESPAN_STATE_TYPE makes
    startup check the real state against it. django-htmx's ``HtmxHttpRequest``
    is the model: the class exists for type checkers, and at run time requests
    are the handler's own (``LifespanASGIRequest``). Without a type argument,
    ``request.state`` is the plain [`State`][django_lifespan_ctx.State].
    """

    state: StateT
