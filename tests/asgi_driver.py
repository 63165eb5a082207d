"""Drive an ASGI application the way a server does, in-process."""

from __future__ import annotations

import asyncio
import json
from typing import Any

LIFESPAN_SCOPE = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}


class LifespanConversation:
    """One lifespan scope: startup, then shutdown, recording what the app sent."""

    def __init__(self, app: Any, *, state: dict[str, Any] | None) -> None:
        self.app = app
        self.scope: dict[str, Any] = dict(LIFESPAN_SCOPE)
        if state is not None:
            self.scope["state"] = state
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sent: list[dict[str, Any]] = []
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        # What the application raised, once its task is over (None: it returned).
        self.error: BaseException | None = None

    async def _send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        await self._outbox.put(message)

    async def _next_reply(self) -> dict[str, Any]:
        assert self.task is not None
        reply = asyncio.ensure_future(self._outbox.get())
        await asyncio.wait({reply, self.task}, return_when=asyncio.FIRST_COMPLETED, timeout=10)
        if reply.done():
            return reply.result()
        reply.cancel()
        if self.task.done():
            self.task.result()  # Raises what the application raised.
            raise AssertionError("the application returned without replying")  # pragma: no cover
        raise AssertionError("no reply from the application within 10 s")

    async def startup(self) -> dict[str, Any]:
        self.task = asyncio.create_task(self.app(self.scope, self.inbox.get, self._send))
        await self.inbox.put({"type": "lifespan.startup"})
        return await self._next_reply()

    async def shutdown(self) -> dict[str, Any]:
        await self.inbox.put({"type": "lifespan.shutdown"})
        reply = await self._next_reply()
        await self.finish()
        return reply

    async def finish(self) -> BaseException | None:
        """Wait for the application to end; keep what it raised, as a server would."""
        assert self.task is not None
        try:
            await self.task
        except BaseException as exc:
            self.error = exc
        return self.error


def http_scope(path: str, state: dict[str, Any] | None) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    if state is not None:
        scope["state"] = state
    return scope


async def get(app: Any, path: str, *, state: dict[str, Any] | None = None) -> tuple[int, Any]:
    """One GET through the app; returns the status and the decoded JSON body."""
    status, body = await get_raw(app, path, state=state)
    return status, json.loads(body) if body else None


async def get_raw(app: Any, path: str, *, state: dict[str, Any] | None = None) -> tuple[int, bytes]:
    """One GET through the app; returns the status and the body as sent."""
    return await request(app, http_scope(path, state))


async def request(app: Any, scope: dict[str, Any]) -> tuple[int, bytes]:
    """One bodiless request through the app, for a scope of the test's own making."""
    messages = [{"type": "http.request", "body": b"", "more_body": False}]
    hold = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await hold.wait()  # No disconnect until the response is done.
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])
