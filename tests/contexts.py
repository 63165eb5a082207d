"""Contexts that record what happens to them, for tests to assert on."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import anyio

EVENTS: list[str] = []
TASKS: dict[str, list[int]] = {}


def record(event: str) -> None:
    EVENTS.append(event)
    # Visible to tests that run a real server and read what it logged. One
    # write per line: a pipe keeps writes under 4 KiB whole, so lines from
    # other threads and processes never cut into it.
    os.write(sys.stderr.fileno(), f"LIFESPAN-EVENT[{os.getpid()}] {event}\n".encode())


def _note_task(name: str) -> None:
    TASKS.setdefault(name, []).append(id(asyncio.current_task()))


def recorder(name: str, *, delay: float = 0.0) -> Any:
    @asynccontextmanager
    async def context() -> AsyncIterator[dict[str, Any]]:
        record(f"enter {name}")
        _note_task(name)
        await asyncio.sleep(delay)
        try:
            yield {name: f"value of {name}"}
        finally:
            await asyncio.sleep(delay)
            _note_task(name)
            record(f"exit {name}")

    context.__qualname__ = name
    return context


alpha = recorder("alpha")
beta = recorder("beta")
gamma = recorder("gamma")
slow_one = recorder("slow_one", delay=0.3)
slow_two = recorder("slow_two", delay=0.3)
slow_three = recorder("slow_three", delay=0.3)


class Resource:
    """A stand-in for a client or pool: open until closed."""

    def __init__(self) -> None:
        self.closed = False

    def __repr__(self) -> str:
        return f"<Resource closed={self.closed}>"


@asynccontextmanager
async def resource() -> AsyncIterator[dict[str, Resource]]:
    shared = Resource()
    record("enter resource")
    yield {"resource": shared}
    shared.closed = True
    record("exit resource")


@contextmanager
def sync_context() -> Iterator[dict[str, str]]:
    import threading

    record(f"enter sync in {threading.current_thread().name}")
    yield {"sync_value": "from a sync context"}
    record(f"exit sync in {threading.current_thread().name}")


@asynccontextmanager
async def uses_state(state: Any) -> AsyncIterator[dict[str, str]]:
    record(f"enter uses_state seeing {sorted(state)}")
    yield {"derived": f"derived from {state.alpha}"}
    record("exit uses_state")


class Ticks(list[int]):
    """The ticker's ticks, and an event for tests to await instead of polling."""

    def __init__(self) -> None:
        super().__init__()
        self.three = asyncio.Event()


@asynccontextmanager
async def with_task_group() -> AsyncIterator[dict[str, Any]]:
    ticks = Ticks()

    async def ticker() -> None:
        while True:
            ticks.append(len(ticks))
            if len(ticks) == 3:
                ticks.three.set()
            await anyio.sleep(0.01)

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        record("enter with_task_group")
        yield {"ticks": ticks}
        group.cancel_scope.cancel()
    record(f"exit with_task_group after {'some' if ticks else 'no'} ticks")


class ClassContext:
    """An async context manager class, listed as its own factory."""

    async def __aenter__(self) -> dict[str, str]:
        record("enter ClassContext")
        return {"from_class": "yes"}

    async def __aexit__(self, *exc_info: object) -> None:
        record("exit ClassContext")


@asynccontextmanager
async def yields_nothing() -> AsyncIterator[None]:
    record("enter yields_nothing")
    yield
    record("exit yields_nothing")


@asynccontextmanager
async def fails_on_enter() -> AsyncIterator[None]:
    record("enter fails_on_enter")
    raise RuntimeError("boom on enter")
    yield  # pragma: no cover


@asynccontextmanager
async def yields_a_list() -> AsyncIterator[list[int]]:
    record("enter yields_a_list")
    yield [1, 2]
    record("exit yields_a_list")


@asynccontextmanager
async def yields_alpha_again() -> AsyncIterator[dict[str, str]]:
    record("enter yields_alpha_again")
    yield {"alpha": "shadow"}
    record("exit yields_alpha_again")


async def forgot_the_decorator() -> AsyncIterator[None]:
    yield None


@asynccontextmanager
async def fails_on_exit() -> AsyncIterator[None]:
    record("enter fails_on_exit")
    yield None
    record("exit fails_on_exit")
    raise RuntimeError("boom on exit")


@asynccontextmanager
async def fails_on_exit_too() -> AsyncIterator[None]:
    record("enter fails_on_exit_too")
    yield None
    record("exit fails_on_exit_too")
    raise ValueError("boom on exit too")


@asynccontextmanager
async def httpx_client() -> AsyncIterator[dict[str, Any]]:
    import httpx

    async with httpx.AsyncClient() as client:
        record("enter httpx_client")
        yield {"client": client}
    record(f"exit httpx_client, client closed: {client.is_closed}")
