"""request.state on a request our handler did not serve: an error that says why and what to do."""

from __future__ import annotations

import signal
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest
from django.test import AsyncRequestFactory, Client, RequestFactory, override_settings

from django_lifespan_ctx import State
from django_lifespan_ctx._serving.state.missing import (
    MissingState,
    StateNotServed,
    install_state_hint,
    not_served_message,
)
from django_lifespan_ctx._serving.state.request import LifespanASGIRequest
from tests import servers
from tests.servers import ServerProcess, events

ASGI_LINE = "application = get_asgi_application()"
CONVENTION = "list 'django_lifespan_ctx' in INSTALLED_APPS before 'django.contrib.staticfiles'"


def state_error(request: Any) -> str:
    with pytest.raises(AttributeError) as raised:
        request.state  # noqa: B018
    assert isinstance(raised.value, StateNotServed)
    return str(raised.value)


def test_a_wsgi_request_names_djangos_wsgi_handler_the_asgi_line_and_the_runserver_convention() -> None:
    message = state_error(RequestFactory().get("/"))
    assert message.startswith("'WSGIRequest' object has no attribute 'state'")
    assert "served by Django's WSGI handler" in message
    assert "from django_lifespan_ctx.asgi import get_asgi_application" in message
    assert ASGI_LINE in message and CONVENTION in message
    assert "django-lifespan-ctx[runserver]" in message


def test_an_asgi_request_names_djangos_own_asgi_handler() -> None:
    message = state_error(AsyncRequestFactory().get("/"))
    assert "served by Django's own ASGI handler (an ASGIRequest)" in message
    assert ASGI_LINE in message


def test_any_other_request_class_is_named() -> None:
    assert "a handler that made a HttpRequest" in state_error(HttpRequest())


def test_reading_with_a_default_still_gets_the_default() -> None:
    request = RequestFactory().get("/")
    assert getattr(request, "state", None) is None
    assert not hasattr(request, "state")


def test_an_instance_attribute_wins_as_test_clients_and_middleware_set_it() -> None:
    request = RequestFactory().get("/")
    request.state = State({"k": 1})  # type: ignore[attr-defined]
    assert request.state["k"] == 1  # type: ignore[attr-defined]


def test_our_request_class_keeps_its_own_state() -> None:
    assert issubclass(LifespanASGIRequest, ASGIRequest)
    assert "state" in vars(LifespanASGIRequest)
    assert isinstance(vars(HttpRequest)["state"], MissingState)
    assert isinstance(HttpRequest.state, MissingState)  # type: ignore[attr-defined]


def test_installing_twice_or_over_another_state_replaces_nothing() -> None:
    installed = vars(HttpRequest)["state"]
    install_state_hint()
    assert vars(HttpRequest)["state"] is installed


def test_the_message_is_built_only_when_shown() -> None:
    error = StateNotServed(ASGIRequest)
    assert error.args == ()
    assert str(error) == not_served_message(ASGIRequest)


@override_settings(ROOT_URLCONF="tests.sites.hint_views")
def test_djangos_test_client_gets_the_hint_in_the_view() -> None:
    body = Client().get("/state/").json()
    assert body["type"] == "StateNotServed"
    assert "served by Django's WSGI handler" in body["error"]


def test_djangos_own_asgi_handler_under_uvicorn_gets_the_hint() -> None:
    argv = servers.uvicorn("tests.sites.django_own_asgi:application", "--lifespan", "auto")
    with ServerProcess(argv, settings="tests.sites.hint_settings") as server:
        server.wait_for("Uvicorn running on")
        body = server.get("/state/").json()
        server.stop(signal.SIGINT)
    assert "served by Django's own ASGI handler" in body["error"]
    assert ASGI_LINE in body["error"] and CONVENTION in body["error"]
    assert events(server.output) == []
