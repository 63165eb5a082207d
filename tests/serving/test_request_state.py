"""request.state through real requests: keys win, one object per request, helpful errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import override_settings

from django_lifespan_ctx import LifespanHttpRequest, State
from django_lifespan_ctx.asgi import get_asgi_application
from tests.asgi_driver import LifespanConversation, get
from tests.sites.request_state_views import HabitState

HABITS = "tests.sites.request_state_views.starlette_habits"
pytestmark = pytest.mark.urls("tests.sites.request_state_views")


async def started(contexts: list[Any]) -> tuple[Any, LifespanConversation, dict[str, Any]]:
    app = get_asgi_application()
    server_state: dict[str, Any] = {}
    with override_settings(LIFESPAN_CONTEXTS=contexts):
        conversation = LifespanConversation(app, state=server_state)
        assert await conversation.startup() == {"type": "lifespan.startup.complete"}
    return app, conversation, server_state


async def test_attribute_reads_reach_keys_named_like_methods() -> None:
    app, conversation, server_state = await started([HABITS])
    status, body = await get(app, "/shadowed/", state=server_state.copy())
    await conversation.shutdown()
    assert status == 200
    assert body["items"] == [1] and body["keys"] == "api-key"
    assert body["as_dict"] == {"items": [1], "keys": "api-key", "client": "the client"}
    assert body["unpacked"] == ["client", "items", "keys"] and body["length"] == 3
    assert body["items_method"] == ["client", "items", "keys"]


async def test_attribute_writes_of_method_names_read_back() -> None:
    app, conversation, server_state = await started([])
    status, body = await get(app, "/write/", state=server_state.copy())
    await conversation.shutdown()
    assert (status, body) == (200, {"update": "written as an attribute", "get": "written as an item"})
    assert server_state == {}  # Each request wrote to its own copy.


async def test_startup_warns_once_per_key_that_hides_a_method(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="django_lifespan_ctx"):
        _, conversation, _ = await started([HABITS])
        await conversation.shutdown()
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 2, warnings
    items, keys = sorted(warnings)
    assert "'tests.sites.request_state_views.starlette_habits' yielded the key 'items'" in items
    assert "State.items(state, ...)" in items
    assert "yielded the key 'keys'" in keys and "State.keys(state, ...)" in keys


@pytest.mark.parametrize("path", ["/identity/", "/sync-identity/"])
async def test_request_state_is_one_object_shared_with_current_state_and_the_scope(path: str) -> None:
    app, conversation, server_state = await started([HABITS])
    status, body = await get(app, path, state=server_state.copy())
    await conversation.shutdown()
    assert status == 200
    assert body == dict.fromkeys(
        ["same_on_every_read", "is_current_state", "is_the_scope_state", "is_a_state"], True
    )


async def test_current_state_first_then_request_state_is_the_same_object() -> None:
    app, conversation, server_state = await started([HABITS])
    _, body = await get(app, "/current-first/", state=server_state.copy())
    await conversation.shutdown()
    assert body == {"is_request_state": True}


async def test_missing_keys_are_explained_through_a_request() -> None:
    app, conversation, server_state = await started([HABITS])
    _, body = await get(app, "/missing/", state=server_state.copy())
    await conversation.shutdown()
    present = "Keys present: 'items', 'keys', 'client'."
    assert body == {
        "item": f"'missing' is not in the lifespan state. {present}",
        "attribute": f"'missing' is not in the lifespan state. {present}",
    }


def test_lifespan_http_request_is_subscriptable_at_run_time() -> None:
    # Views annotated without `from __future__ import annotations` evaluate it at import.
    alias = LifespanHttpRequest[HabitState]
    assert alias.__origin__ is LifespanHttpRequest  # type: ignore[attr-defined]
    assert LifespanHttpRequest.__annotations__ == {"state": "StateT"}
    assert State.__mro__[1] is dict


async def test_inside_an_enclosing_thread_sensitive_context_it_is_still_request_state() -> None:
    # asgiref keeps the outermost ThreadSensitiveContext, so ours carries nothing there.
    from asgiref.sync import ThreadSensitiveContext

    app, conversation, server_state = await started([HABITS])
    async with ThreadSensitiveContext():
        status, body = await get(app, "/sync-identity/", state=server_state.copy())
    await conversation.shutdown()
    assert status == 200 and body["is_current_state"] and body["is_the_scope_state"]


@pytest.mark.parametrize("path", ["/running-scope/", "/sync-running-scope/"])
async def test_the_request_context_knows_the_running_requests_scope(path: str) -> None:
    app, conversation, server_state = await started([])
    _, body = await get(app, path, state=server_state.copy())
    await conversation.shutdown()
    assert body == {"is_the_request_scope": True}


def test_no_request_is_running_outside_one() -> None:
    from django_lifespan_ctx._serving.state.lookups import running_request_scope

    assert running_request_scope() is None


async def test_other_scope_types_get_djangos_own_error() -> None:
    with pytest.raises(ValueError, match="Django can only handle ASGI/HTTP connections, not websocket"):
        await get_asgi_application()({"type": "websocket"}, None, None)


async def test_assigning_request_state_as_the_peers_middleware_does_keeps_working() -> None:
    app, conversation, server_state = await started([HABITS])
    _, body = await get(app, "/assigned/", state=server_state.copy())
    await conversation.shutdown()
    assert body == {"client": "the client", "is_a_state": True}
