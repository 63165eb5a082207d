"""Running another ASGI application's lifespan as one of our contexts.

Projects route some paths in asgi.py to a Starlette, FastAPI or MCP app. The
server sends lifespan events to the outer application only, so those apps
never start (an MCP streamable-HTTP app refuses requests until it has). This
plays the server's part for one app: ``lifespan.startup`` on enter, and
``lifespan.shutdown`` on exit, in the app's reverse-order turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from django.utils.module_loading import import_string

# What the app's task put on the way out, when it returned or raised instead of answering.
_RETURNED = object()


class MountedLifespanError(Exception):
    """A mounted ASGI app failed its lifespan startup or shutdown."""


def app_name(app: Any) -> str:
    qualname = getattr(app, "__qualname__", None)
    if qualname is not None:
        return f"{getattr(app, '__module__', '?')}.{qualname}"
    return f"{type(app).__module__}.{type(app).__qualname__} instance"


def asgi_lifespan(app_or_dotted_path: Any) -> Callable[[], AbstractAsyncContextManager[dict[str, Any]]]:
    """A LIFESPAN_CONTEXTS entry that runs another ASGI app's lifespan.

    A dotted path is imported at startup, not here, so settings.py may name an
    app defined in the project's asgi.py. What the app puts in its lifespan
    state becomes part of ours.
    """
    named = isinstance(app_or_dotted_path, str)
    name = app_or_dotted_path if named else app_name(app_or_dotted_path)

    def factory() -> AbstractAsyncContextManager[dict[str, Any]]:
        app = import_string(app_or_dotted_path) if named else app_or_dotted_path
        return _lifespan_of(app, name)

    # The name logs, errors and `manage.py lifespan --list` show for this entry.
    factory.__qualname__ = f"asgi_lifespan({name!r})"
    factory.__module__ = "django_lifespan_ctx.contexts"  # Named by its public home in logs and listings.
    return factory


class _Channel:
    """Both directions of one app's lifespan conversation."""

    def __init__(self) -> None:
        self.to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.from_app: asyncio.Queue[Any] = asyncio.Queue()

    async def receive(self) -> dict[str, Any]:
        return await self.to_app.get()

    async def send(self, message: dict[str, Any]) -> None:
        await self.from_app.put(message)

    async def ask(self, message_type: str) -> Any:
        await self.to_app.put({"type": message_type})
        return await self.from_app.get()


@asynccontextmanager
async def _lifespan_of(app: Any, name: str) -> AsyncGenerator[dict[str, Any], None]:
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
    channel = _Channel()

    async def run_app() -> None:
        # Nothing escapes this task: SystemExit or KeyboardInterrupt raised out
        # of a task would stop the event loop. It goes to whoever waits for the
        # app's answer, whose owner holds it until every exit has run.
        try:
            await app(scope, channel.receive, channel.send)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            channel.from_app.put_nowait(exc)
            return
        channel.from_app.put_nowait(_RETURNED)

    # The app's lifespan runs in a task of its own, entered and exited there,
    # as a server runs it: its task groups and cancel scopes stay in one task.
    task = asyncio.create_task(run_app(), name=f"lifespan of {name}")
    try:
        reply = await channel.ask("lifespan.startup")
    except BaseException:
        # Given up on (a startup timeout, a sibling's failure) before the app answered.
        await _stop_starting(task, channel)
        raise
    try:
        _expect(reply, "lifespan.startup.complete", name, "startup")
    except MountedLifespanError:
        await _join(task)
        raise
    try:
        yield dict(state)
    finally:
        try:
            reply = await channel.ask("lifespan.shutdown")
        except BaseException:
            await _cancel(task)
            raise
        await _join(task)
        _expect(reply, "lifespan.shutdown.complete", name, "shutdown")


def _expect(reply: Any, complete: str, name: str, phase: str) -> None:
    if isinstance(reply, BaseException) and not isinstance(reply, Exception):
        raise reply  # SystemExit, KeyboardInterrupt: passed on as themselves.
    if isinstance(reply, Exception):
        raise MountedLifespanError(f"{name} raised during its lifespan {phase}: {reply!r}") from reply
    if reply is _RETURNED:
        raise MountedLifespanError(
            f"{name} returned without completing its lifespan {phase}: it does not support the "
            "ASGI lifespan protocol, so it needs no entry in LIFESPAN_CONTEXTS."
        )
    if reply["type"] == complete:
        return
    if reply["type"] == f"lifespan.{phase}.failed":
        raise MountedLifespanError(f"{name} sent lifespan.{phase}.failed: {reply.get('message', '')}")
    raise MountedLifespanError(f"{name} sent {reply['type']!r} where {complete!r} was due.")


async def _stop_starting(task: asyncio.Task[None], channel: _Channel) -> None:
    """Cancel an app still starting; if it starts all the same, shut it down at once.

    The app's task is the app's owner: as an owner exits an enter that completes
    after startup gave up on it, an app that swallows the cancellation and then
    completes its startup is sent ``lifespan.shutdown`` rather than left running.
    """
    task.cancel()
    while not task.done():
        reply: asyncio.Future[Any] = asyncio.ensure_future(channel.from_app.get())
        try:
            await asyncio.wait({task, reply}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()  # Past its deadline too: asked again, and left to finish on its own.
            raise
        finally:
            if not reply.done():
                reply.cancel()
        if reply.done() and not reply.cancelled():
            message: Any = reply.result()
            if isinstance(message, dict) and cast("dict[str, Any]", message).get("type") == (
                "lifespan.startup.complete"
            ):
                channel.to_app.put_nowait({"type": "lifespan.shutdown"})


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.wait({task})


async def _join(task: asyncio.Task[None]) -> None:
    """Wait for the app to return after its last answer; cancel it only if we are cancelled."""
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await _cancel(task)
        raise
