"""LifespanHttpRequest: the request type that types ``request.state``."""

from __future__ import annotations

from typing import Generic

from django.http import HttpRequest

from django_lifespan_ctx._engine.state import StateT


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
