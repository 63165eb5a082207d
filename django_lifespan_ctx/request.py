"""The request class our handler serves: Django's ASGIRequest with ``request.state``."""

from __future__ import annotations

from typing import Any, cast

from django.core.handlers.asgi import ASGIRequest

from .state import State, state_for_scope


class LifespanASGIRequest(ASGIRequest):
    @property
    def state(self) -> State:
        # A property, not a cached attribute: a new attribute on the request
        # makes CPython give it a dict of its own, which costs every request
        # that reads the state more than this lookup does on each read.
        # Requests that never read the state pay nothing.
        state = self.scope["state"]  # Our handler gives every request scope one.
        if state.__class__ is State:
            return state
        return state_for_scope(self.scope)

    @state.setter
    def state(self, value: dict[str, Any]) -> None:
        # django-asgi-lifespan's middleware does `request.state = scope["state"]`:
        # a project moving over with it still listed keeps working.
        cast("dict[str, Any]", self.scope)["state"] = value
