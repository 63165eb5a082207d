"""Drive ASGI applications in-process, as a server would, and summarise timings."""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Callable, Sequence
from typing import Any

LIFESPAN = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}


def http_scope(path: str, state: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("bench", 80),
        "state": state.copy(),  # What servers do for every request.
    }


async def request(app: Any, path: str, state: dict[str, Any]) -> bytes:
    body = [{"type": "http.request", "body": b"", "more_body": False}]
    done = asyncio.Event()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if body:
            return body.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(http_scope(path, state), receive, send)
    return b"".join(m.get("body", b"") for m in sent[1:])


class Lifespan:
    """A lifespan conversation with an app: startup(), later shutdown()."""

    def __init__(self, app: Any, state: dict[str, Any] | None = None) -> None:
        self.app = app
        self.state = {} if state is None else state
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    async def startup(self) -> dict[str, Any]:
        scope = {**LIFESPAN, "state": self.state}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self.inbox.put({"type": "lifespan.startup"})
        return await self.outbox.get()

    async def shutdown(self) -> dict[str, Any]:
        await self.inbox.put({"type": "lifespan.shutdown"})
        reply = await self.outbox.get()
        assert self.task is not None
        await self.task
        return reply


def median(values: list[float]) -> float:
    return statistics.median(values)


def quartiles(values: list[float]) -> tuple[float, float]:
    """The first and third quartiles: the range of the middle half of the values."""
    first, _, third = statistics.quantiles(values, n=4)
    return first, third


def table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def alternate(rounds: int, candidates: dict[str, Callable[[], float]]) -> dict[str, list[float]]:
    """Run each candidate once per round, in turn, so drift hits all alike."""
    results: dict[str, list[float]] = {name: [] for name in candidates}
    for round_number in range(rounds):
        names = list(candidates)
        if round_number % 2:
            names.reverse()
        for name in names:
            results[name].append(candidates[name]())
    return results
