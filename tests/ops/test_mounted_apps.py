"""Mounted ASGI apps in both directions: theirs inside ours, and ours inside FastAPI."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings
from starlette.applications import Starlette

from django_lifespan_ctx import LifespanShutdownError, LifespanStartupError, lifespan
from django_lifespan_ctx._ops.mounted import app_name
from django_lifespan_ctx.contexts import asgi_lifespan
from tests import contexts, servers
from tests.servers import ServerProcess, events

MCP_CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "add", "arguments": {"a": 2, "b": 3}},
}


def test_starlette_fastapi_and_mcp_apps_beside_django_under_uvicorn() -> None:
    argv = servers.uvicorn("tests.sites.mounted_asgi:application", "--lifespan", "on")
    server = ServerProcess(argv, settings="tests.sites.mounted_settings")
    server.env["COLUMNS"] = "200"  # MCP logs through rich, which wraps its lines at 80 columns.
    with server:
        server.wait_for("Uvicorn running on")
        django = server.get("/state/").json()
        starlette = server.get("/starlette/").json()
        fastapi = server.get("/fastapi/").json()
        with httpx.Client(base_url=server.url, trust_env=False, timeout=10) as client:
            mcp = client.post(
                "/mcp", json=MCP_CALL, headers={"Accept": "application/json, text/event-stream"}
            ).json()
        code = server.stop(signal.SIGINT)
    keys = ["alpha", "fastapi_greeting", "starlette_greeting"]
    # Each app's lifespan state is merged into ours: Django views see it all, and so do the apps.
    assert django["keys"] == keys
    assert starlette == {"greeting": "hello from Starlette"}
    assert fastapi == {"greeting": "hello from FastAPI", "keys": keys}
    # The MCP app serves only once its lifespan has started its session manager.
    assert mcp["result"]["structuredContent"] == {"result": 5}
    assert events(server.output) == [
        "enter alpha",
        "enter starlette",
        "enter fastapi",
        "exit fastapi",
        "exit starlette",
        "exit alpha",
    ]
    assert "StreamableHTTP session manager shutting down" in server.output
    assert code == 0, server.output


def test_django_mounted_under_fastapi_sees_request_state_and_exits_on_shutdown() -> None:
    argv = servers.uvicorn("tests.sites.under_fastapi_asgi:app", "--lifespan", "on")
    with ServerProcess(argv, settings="tests.sites.server_settings") as server:
        server.wait_for("Uvicorn running on")
        state = server.get("/legacy/state/").json()
        code = server.stop(signal.SIGINT)
    assert state["keys"] == ["alpha", "resource", "slow_one", "slow_two", "sync_value", "ticks"]
    assert state["values"]["resource"] == "<Resource closed=False>"
    seen = events(server.output)
    assert seen[0] == "enter alpha" and seen[-1] == "exit alpha", seen
    assert "exit resource" in seen
    assert code == 0, server.output


# -- the entry itself, in this process ------------------------------------------


def starlette_with(lifespan_context: Any) -> Starlette:
    return Starlette(lifespan=lifespan_context)


@asynccontextmanager
async def fails_to_start(app: Starlette) -> AsyncIterator[None]:
    raise RuntimeError("no database")
    yield  # pragma: no cover


@asynccontextmanager
async def fails_to_stop(app: Starlette) -> AsyncIterator[None]:
    contexts.record("enter fails_to_stop")
    yield
    raise RuntimeError("flush failed")


@asynccontextmanager
async def yields_alpha(app: Starlette) -> AsyncIterator[dict[str, str]]:
    yield {"alpha": "mine too"}


async def test_its_state_is_merged_and_its_shutdown_runs_in_reverse_order() -> None:
    @asynccontextmanager
    async def recorded(app: Starlette) -> AsyncIterator[dict[str, int]]:
        contexts.record("enter starlette")
        yield {"answer": 42}
        contexts.record("exit starlette")

    entries = ["tests.contexts.alpha", asgi_lifespan(starlette_with(recorded)), "tests.contexts.beta"]
    async with lifespan(contexts=entries) as state:
        assert dict(state) == {"alpha": "value of alpha", "answer": 42, "beta": "value of beta"}
    assert contexts.EVENTS == [
        "enter alpha",
        "enter starlette",
        "enter beta",
        "exit beta",
        "exit starlette",
        "exit alpha",
    ]


async def test_a_startup_failed_fails_our_startup_naming_the_app_and_passing_its_message() -> None:
    app = starlette_with(fails_to_start)
    with pytest.raises(LifespanStartupError) as failed:
        async with lifespan(contexts=["tests.contexts.alpha", asgi_lifespan(app)]):
            pass  # pragma: no cover
    message = str(failed.value)
    assert "starlette.applications.Starlette instance sent lifespan.startup.failed" in message
    assert "RuntimeError: no database" in message
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


async def test_a_shutdown_failed_becomes_an_error_from_the_exit() -> None:
    with pytest.raises(LifespanShutdownError, match="(?s)sent lifespan.shutdown.failed: .*flush failed"):
        async with lifespan(contexts=[asgi_lifespan(starlette_with(fails_to_stop))]):
            pass
    assert contexts.EVENTS == ["enter fails_to_stop"]


async def test_a_key_the_app_shares_with_another_context_is_refused() -> None:
    entry = asgi_lifespan(starlette_with(yields_alpha))
    with pytest.raises(LifespanStartupError, match=r"yielded the key 'alpha', which 'tests.contexts.alpha'"):
        async with lifespan(contexts=["tests.contexts.alpha", entry]):
            pass  # pragma: no cover


async def test_an_app_without_the_lifespan_protocol_is_named() -> None:
    with pytest.raises(LifespanStartupError, match="ASGIHandler instance raised during its lifespan startup"):
        async with lifespan(contexts=[asgi_lifespan(ASGIHandler())]):
            pass  # pragma: no cover

    async def returns_at_once(scope: Any, receive: Any, send: Any) -> None:
        return None

    with pytest.raises(LifespanStartupError, match="returned without completing its lifespan startup"):
        async with lifespan(contexts=[asgi_lifespan(returns_at_once)]):
            pass  # pragma: no cover


async def test_a_wrong_reply_is_named() -> None:
    async def confused(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "lifespan.shutdown.complete"})

    with pytest.raises(
        LifespanStartupError, match="sent 'lifespan.shutdown.complete' where 'lifespan.startup.complete'"
    ):
        async with lifespan(contexts=[asgi_lifespan(confused)]):
            pass  # pragma: no cover


@override_settings(LIFESPAN_STARTUP_TIMEOUT=0.2)
async def test_an_app_that_never_answers_is_cancelled_with_the_startup() -> None:
    cancelled: list[bool] = []

    async def silent(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        try:
            await receive()  # Never answers startup.
        except BaseException:
            cancelled.append(True)
            raise

    with pytest.raises(LifespanStartupError, match="LIFESPAN_STARTUP_TIMEOUT"):
        async with lifespan(contexts=[asgi_lifespan(silent)]):
            pass  # pragma: no cover
    assert cancelled == [True]


def test_names() -> None:
    assert app_name(fails_to_start) == "tests.ops.test_mounted_apps.fails_to_start"
    assert app_name(Starlette()) == "starlette.applications.Starlette instance"
    entry = asgi_lifespan("tests.sites.mounted_asgi.starlette_app")
    assert entry.__qualname__ == "asgi_lifespan('tests.sites.mounted_asgi.starlette_app')"
    assert entry.__module__ == "django_lifespan_ctx.contexts"


async def test_no_warning_about_missing_lifespan_events_under_a_mount(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from asgi_lifespan import LifespanManager

    from tests.sites.under_fastapi_asgi import app

    with override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha"]):
        async with LifespanManager(app) as manager:
            transport = httpx.ASGITransport(app=manager.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                assert (await client.get("/legacy/state/")).json()["keys"] == ["alpha"]
    assert "sent no lifespan events" not in caplog.text
