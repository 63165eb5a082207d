"""Third-party lifespan drivers see our failures as the context's own exception, promptly.

asgi-lifespan's LifespanManager and Starlette's TestClient are how many
projects test ASGI applications. Both wait for the application, not only for
its messages: after a failure event the handler raises, as Starlette's does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from asgi_lifespan import LifespanManager
from django.test import override_settings
from starlette.testclient import TestClient

from django_lifespan_ctx.asgi import get_asgi_application
from tests import contexts


@asynccontextmanager
async def exits_the_process() -> AsyncIterator[None]:
    contexts.record("enter exits_the_process")
    raise SystemExit("a context called sys.exit()")
    yield  # pragma: no cover


# LifespanManager's default startup timeout is 5 s: a failure must surface well before it.
PROMPT = 2.0


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter])
async def test_lifespan_manager_raises_the_contexts_startup_error_at_once() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="boom on enter"):
        async with LifespanManager(get_asgi_application()):
            pass  # pragma: no cover
    assert time.monotonic() - started < PROMPT
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, exits_the_process])
def test_lifespan_manager_sees_system_exit_from_a_context() -> None:
    async def main() -> None:
        async with LifespanManager(get_asgi_application()):
            pass  # pragma: no cover

    started = time.monotonic()
    # SystemExit raised out of the application's task ends the event loop itself,
    # as sys.exit() would: it surfaces from asyncio.run(), after the unwinding.
    with pytest.raises(SystemExit, match=r"a context called sys\.exit\(\)"):
        asyncio.run(main())
    assert time.monotonic() - started < PROMPT
    assert contexts.EVENTS == ["enter alpha", "enter exits_the_process", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_exit])
async def test_lifespan_manager_raises_the_contexts_shutdown_error() -> None:
    with pytest.raises(RuntimeError, match="boom on exit"):
        async with LifespanManager(get_asgi_application()):
            contexts.record("body")
    expected = ["enter alpha", "enter fails_on_exit", "body", "exit fails_on_exit", "exit alpha"]
    assert expected == contexts.EVENTS


@override_settings(
    LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter], ROOT_URLCONF="tests.sites.urls"
)
def test_test_client_raises_the_contexts_startup_error_and_never_runs_the_body() -> None:
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="boom on enter"), TestClient(get_asgi_application()):
        raise AssertionError("the test body ran without the contexts")  # pragma: no cover
    assert time.monotonic() - started < PROMPT
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


@override_settings(
    LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_exit], ROOT_URLCONF="tests.sites.urls"
)
def test_test_client_serves_the_state_then_raises_the_shutdown_error() -> None:
    body: Any = None
    with pytest.raises(RuntimeError, match="boom on exit"), TestClient(get_asgi_application()) as client:
        body = client.get("/state/").json()
    assert body["keys"] == ["alpha"]
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_exit", "exit fails_on_exit", "exit alpha"]
