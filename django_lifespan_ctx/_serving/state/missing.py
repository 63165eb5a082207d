"""The error a view gets for ``request.state`` on a request our handler did not serve.

``HttpRequest.state`` is a non-data descriptor: Python consults it only after
the instance dict, so an attribute that a test client or middleware sets still
wins, and our request class's own ``state`` wins by inheritance. Requests that
never read ``state`` never call it: Django's request path pays nothing.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

ASGI_LINES = (
    "    from django_lifespan_ctx.asgi import get_asgi_application\n    application = get_asgi_application()"
)


def served_by(request_class: type[Any]) -> str:
    from django.core.handlers.asgi import ASGIRequest
    from django.core.handlers.wsgi import WSGIRequest

    if issubclass(request_class, WSGIRequest):
        return (
            "Django's WSGI handler (a WSGIRequest): Django's own runserver, a WSGI server, "
            "or Django's test Client"
        )
    if issubclass(request_class, ASGIRequest):
        return "Django's own ASGI handler (an ASGIRequest), from django.core.asgi.get_asgi_application()"
    return f"a handler that made a {request_class.__name__}, not django_lifespan_ctx's"


def not_served_message(request_class: type[Any]) -> str:
    return (
        f"{request_class.__name__!r} object has no attribute 'state': this request was served by "
        f"{served_by(request_class)}. Only django_lifespan_ctx's ASGI handler gives requests the "
        f"lifespan state. In asgi.py, write:\n{ASGI_LINES}\nand serve it with an ASGI server. "
        "For `manage.py runserver`, list 'django_lifespan_ctx' in INSTALLED_APPS before "
        "'django.contrib.staticfiles' and pip install 'django-lifespan-ctx[runserver]'. In tests, "
        "use django_lifespan_ctx.testing's LifespanClient or LifespanAsyncClient."
    )


class StateNotServed(AttributeError):
    # The message is built only when shown: getattr(request, "state", None)
    # on a plain request costs one small exception, no string formatting.
    def __init__(self, request_class: type[Any]) -> None:
        super().__init__()
        self.request_class = request_class

    def __str__(self) -> str:
        return not_served_message(self.request_class)


class MissingState:
    """``HttpRequest.state`` for requests that have none of their own."""

    def __get__(self, request: object, owner: type[Any] | None = None) -> Any:
        if request is None:
            return self
        raise StateNotServed(type(request))


def install_state_hint() -> None:
    # Never replace a `state` that HttpRequest (or another library) defines.
    if "state" not in vars(HttpRequest):
        setattr(HttpRequest, "state", MissingState())  # noqa: B010
