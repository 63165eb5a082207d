"""The request class our handler serves: Django's ASGIRequest with ``request.state``."""

from __future__ import annotations

from django.core.handlers.asgi import ASGIRequest
from django.utils.functional import cached_property

from .state import State, state_for_scope


class LifespanASGIRequest(ASGIRequest):
    # Built on first use, so requests that never read the state pay nothing.
    @cached_property
    def state(self) -> State:
        return state_for_scope(self.scope)
