"""current_state(): the state of the request, consumer, lifespan or command running now."""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.test import override_settings
from websockets.sync.client import connect

from django_lifespan_ctx import CurrentStateMiddleware, State, current_state, lifespan, state_from_scope
from django_lifespan_ctx._serving.state.lookups import enter_hosted, leave_hosted, request_scope
from django_lifespan_ctx._serving.state.scope import set_process_state
from django_lifespan_ctx.handler import LifespanASGIHandler
from django_lifespan_ctx.testing import LifespanAsyncClient, LifespanClient
from tests import contexts, servers
from tests.asgi_driver import get
from tests.servers import ServerProcess, events


def test_outside_everything_it_says_where_a_state_is_and_how_to_start_one() -> None:
    with pytest.raises(LookupError) as info:
        current_state()
    message = str(info.value)
    for place in [
        "inside a request served by django_lifespan_ctx.asgi.get_asgi_application()",
        "CurrentStateMiddleware (Channels consumers)",
        "async with django_lifespan_ctx.lifespan()",
        "django_lifespan_ctx.management.LifespanCommand",
        "django_lifespan_ctx.start_in_thread()",
        "django_lifespan_ctx.contrib.celery",
    ]:
        assert place in message


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_inside_lifespan_it_is_that_lifespans_state_in_async_and_sync_code() -> None:
    async with lifespan() as state:
        assert current_state() is state
        # Sync code called through asgiref runs in a thread that carries the context.
        assert await sync_to_async(current_state)() is state
        # So does a task started inside.
        assert await asyncio.create_task(_current()) is state
    with pytest.raises(LookupError):
        current_state()


async def _current() -> State:
    return current_state()


def test_leaving_from_another_context_than_the_one_entered_is_harmless() -> None:
    # A fixture torn down by another task than the one that set it up.
    entered = contextvars.copy_context()
    token = entered.run(enter_hosted, State({"alpha": 1}))
    leave_hosted(token)
    assert entered.run(current_state) == {"alpha": 1}
    with pytest.raises(LookupError):
        current_state()


# -- requests served by our handler -------------------------------------------


@pytest.fixture
def served_state() -> dict[str, Any]:
    return {"alpha": "value of alpha"}


@override_settings(ROOT_URLCONF="tests.sites.current_urls")
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_in_a_request_it_is_request_state_in_sync_views_thread_too(
    kind: str, served_state: dict[str, Any]
) -> None:
    handler = LifespanASGIHandler()
    status, body = await get(handler, f"/current/{kind}/", state=dict(served_state))
    assert status == 200, body
    assert body["keys"] == ["alpha", f"written_in_{kind}"]
    # A write through current_state() is seen through request.state: one state.
    assert body["write_seen_by_request_state"] is True
    assert body["same_object"] is True
    on_main_thread = body["thread"] == threading.current_thread().name
    assert on_main_thread is (kind == "async"), body["thread"]


@override_settings(ROOT_URLCONF="tests.sites.current_urls")
async def test_each_request_gets_its_own_state_and_nothing_is_left_current_after() -> None:
    handler = LifespanASGIHandler()
    shared = {"alpha": "value of alpha"}
    _, first = await get(handler, "/current/async/", state=dict(shared))
    _, second = await get(handler, "/current/sync/", state=dict(shared))
    assert first["keys"] == ["alpha", "written_in_async"]
    assert second["keys"] == ["alpha", "written_in_sync"]
    assert shared == {"alpha": "value of alpha"}


@override_settings(ROOT_URLCONF="tests.sites.current_urls")
@pytest.mark.parametrize("kind", ["sync", "async"])
def test_under_the_sync_test_client_it_is_request_state_too(kind: str) -> None:
    shared = {"alpha": "value of alpha"}
    body = LifespanClient(shared).get(f"/current/{kind}/").json()
    assert body["same_object"] is True and body["write_seen_by_request_state"] is True
    assert shared == {"alpha": "value of alpha"}  # Each request works on its own copy.
    with pytest.raises(LookupError):
        current_state()  # Nothing is left current after the request.


@override_settings(ROOT_URLCONF="tests.sites.current_urls")
@pytest.mark.parametrize("kind", ["sync", "async"])
async def test_under_the_async_test_client_it_is_request_state_too(kind: str) -> None:
    response = await LifespanAsyncClient({"alpha": "value of alpha"}).get(f"/current/{kind}/")
    body = response.json()
    assert body["same_object"] is True and body["keys"] == ["alpha", f"written_in_{kind}"]


# -- CurrentStateMiddleware ---------------------------------------------------


async def test_the_middleware_makes_the_scopes_state_current_and_resets_after() -> None:
    seen: list[State] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        current_state()["written"] = True
        seen.append(current_state())

    scope: dict[str, Any] = {"type": "websocket", "state": {"alpha": 1}}
    await CurrentStateMiddleware(app)(scope, None, None)
    assert scope["state"] == {"alpha": 1, "written": True}
    assert dict(seen[0]) == scope["state"]
    assert request_scope.get() is None


async def test_a_scope_without_state_gets_a_copy_of_the_process_state() -> None:
    # daphne puts no state in scopes: the handler's lifespan state is used.
    set_process_state({"alpha": 1})
    seen: list[dict[str, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        current_state()["written"] = True
        seen.append(dict(state_from_scope(scope)))

    await CurrentStateMiddleware(app)({"type": "websocket"}, None, None)
    assert seen == [{"alpha": 1, "written": True}]


# -- a Channels consumer and sync views under a real uvicorn --------------------


def test_consumer_and_sync_view_under_uvicorn_see_their_scopes_state() -> None:
    argv = servers.uvicorn("tests.sites.current_asgi:application")
    with ServerProcess([*argv, "--lifespan", "on"], settings="tests.sites.current_settings") as server:
        server.wait_for("Uvicorn running on")
        with connect(f"ws://127.0.0.1:{server.port}/ws/current/", open_timeout=10) as websocket:
            consumer = json.loads(websocket.recv(timeout=10))
        sync_view = server.get("/current/sync/").json()
        code = server.stop()
    assert consumer["keys"] == ["alpha", "resource", "written_by_consumer"]
    assert consumer["write_seen_in_scope_state"] is True
    assert consumer["resource"] == "<Resource closed=False>"
    keys_from_sync, thread = consumer["from_sync_code"][:-1], consumer["from_sync_code"][-1]
    assert keys_from_sync == consumer["keys"] and thread != "MainThread"
    assert sync_view["same_object"] is True and sync_view["write_seen_by_request_state"] is True
    assert sync_view["thread"] != "MainThread"
    assert events(server.output) == ["enter alpha", "enter resource", "exit resource", "exit alpha"]
    assert code == 0, server.output
