"""LifespanHttpRequest: Django's HttpRequest with ``state`` typed as your lifespan state."""

from __future__ import annotations

from typing import Generic, TypeVar

from django.http import HttpRequest

StateT = TypeVar("StateT")


class LifespanHttpRequest(HttpRequest, Generic[StateT]):
    """Annotate views with ``LifespanHttpRequest[ProjectState]`` to type ``request.state``.

    ``ProjectState`` is a ``Protocol`` (read ``request.state.key``) or a
    ``TypedDict`` (read ``request.state["key"]``); LIFESPAN_STATE_TYPE makes
    startup check the real state against it. django-htmx's ``HtmxHttpRequest``
    is the model: the class exists for type checkers, and at run time requests
    are the handler's own (``LifespanASGIRequest``).
    """

    state: StateT
