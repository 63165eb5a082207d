"""docs/reaching-the-state.md: sync code calling the lifespan's async client, proven.

Under a real uvicorn process, the bookstore example's sync view calls its
httpx.AsyncClient through async_to_sync; the server calls itself, so the
requests are real. In this process, the thread recipes and the test client.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from django.test import override_settings
from django.urls import clear_url_caches

from django_lifespan_ctx import lifespan
from django_lifespan_ctx.testing import LifespanAsyncClient, LifespanClient, lifespan_in_thread
from tests import servers
from tests.servers import REPO, ServerProcess

EXAMPLE = REPO / "docs" / "examples" / "reaching"


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    """The bookstore under uvicorn: every answer the tests read, then how it stopped."""
    argv = servers.uvicorn("tests.sites.server_asgi:application")
    server = ServerProcess(argv, settings="tests.sites.reaching_settings", extra_path=[EXAMPLE])
    server.env["CATALOGUE_URL"] = f"{server.url}/catalogue"
    with server:
        server.wait_for("Uvicorn running on")  # Listening: uvicorn binds after the startup.
        answers = {
            path: server.get(path)
            for path in ("/books/978-1/", "/async/books/978-2/", "/loops/", "/another-loop/")
        }
        code = server.stop(signal.SIGINT)
    return {"answers": answers, "code": code, "output": server.output}


def test_a_sync_view_calls_the_async_client_through_async_to_sync(served: dict[str, Any]) -> None:
    sync, async_ = served["answers"]["/books/978-1/"], served["answers"]["/async/books/978-2/"]
    assert sync.status_code == 200, served["output"]
    assert sync.json() == {"title": "The book numbered 978-1"}
    assert async_.json() == {"title": "The book numbered 978-2"}
    assert served["code"] == 0, served["output"]


def test_async_to_sync_in_a_sync_view_runs_on_the_servers_loop_in_its_thread(
    served: dict[str, Any],
) -> None:
    loops = served["answers"]["/loops/"].json()
    # The view itself runs in a worker thread, not the loop's.
    assert loops["view"] == {"lifespan_thread": False}
    assert loops["async_to_sync"] == {"lifespan_loop": True, "lifespan_thread": True}
    # The ways the page warns against: a new loop, in another thread.
    assert loops["force_new_loop"] == {"lifespan_loop": False, "lifespan_thread": False}
    assert loops["plain_thread"] == {"lifespan_loop": False, "lifespan_thread": False}


def test_the_client_fails_on_a_loop_it_does_not_belong_to(served: dict[str, Any]) -> None:
    answer = served["answers"]["/another-loop/"].json()
    assert answer["right"] == 200
    assert "bound to a different event loop" in answer["wrong"]


# -- in this process ----------------------------------------------------------


CALLED_ON: list[asyncio.AbstractEventLoop] = []


@pytest.fixture
def bookstore(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[asyncio.AbstractEventLoop]]:
    """The example's code on the path; the loops its catalogue client was called on."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    with override_settings(ROOT_URLCONF="bookstore.urls"):
        clear_url_caches()
        yield CALLED_ON
    clear_url_caches()
    CALLED_ON.clear()


@pytest.fixture
def reporting_loops(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The example with the test views of tests/reaching_site.py; its loop-reporting context."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    with override_settings(ROOT_URLCONF="tests.reaching_site"):
        clear_url_caches()
        yield "tests.reaching_site.lifespan_loop"
    clear_url_caches()


async def catalogue(request: httpx.Request) -> httpx.Response:
    CALLED_ON.append(asyncio.get_running_loop())
    isbn = request.url.path.strip("/").rsplit("/", 1)[-1]
    return httpx.Response(200, json={"title": f"The book numbered {isbn}"})


@asynccontextmanager
async def catalogue_client() -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    transport = httpx.MockTransport(catalogue)
    async with httpx.AsyncClient(base_url="https://catalogue.test", transport=transport) as client:
        yield {"catalogue": client}


async def test_threads_reach_the_client_on_the_lifespans_loop(
    bookstore: list[asyncio.AbstractEventLoop],
) -> None:
    from bookstore.threads import title_from_sync_work, titles_from_a_pool  # type: ignore[import-not-found]

    async with lifespan(contexts=[catalogue_client]):
        pooled = await titles_from_a_pool(["1", "2", "3"])
        from_sync_work = await title_from_sync_work("4")
    assert pooled == [f"The book numbered {n}" for n in "123"]
    assert from_sync_work == "The book numbered 4"
    assert bookstore == [asyncio.get_running_loop()] * 4


async def test_a_sync_view_under_the_async_test_client_calls_on_the_tests_loop(
    bookstore: list[asyncio.AbstractEventLoop],
) -> None:
    async with lifespan(contexts=[catalogue_client]) as state:
        response = await LifespanAsyncClient(state).get("/books/5/")
    assert response.json() == {"title": "The book numbered 5"}
    assert bookstore == [asyncio.get_running_loop()]


async def test_async_to_sync_under_the_async_test_client_returns_to_the_lifespans_loop(
    reporting_loops: str,
) -> None:
    async with lifespan(contexts=[reporting_loops]) as state:
        loops = (await LifespanAsyncClient(state).get("/loops/")).json()
    assert loops["async_to_sync"] == {"lifespan_loop": True, "lifespan_thread": True}


def test_async_to_sync_under_the_sync_test_client_makes_a_loop_of_its_own(reporting_loops: str) -> None:
    """Why the page, and docs/testing.md, send loop-bound objects to async tests."""
    with lifespan_in_thread(contexts=[reporting_loops]) as state:
        loops = LifespanClient(state).get("/loops/").json()
    assert loops["async_to_sync"] == {"lifespan_loop": False, "lifespan_thread": False}
