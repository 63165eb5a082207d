"""The one way user code runs: async code in a task of its own, sync code in a daemon thread.

Contexts' owners, signal receivers, background services and health checks all call
user code through here. A sync call gets a daemon thread of the library's own, never
a thread of the event loop's shared default executor: Django logs every 4xx/5xx
response through that executor, so one hung check there could stall the whole site.
The thread closes the database connections it opened (Django keeps them per thread)
and the outcome goes back to whoever waits, posted to its loop: nobody waits inside
user code, and nothing it raises (SystemExit included) escapes where it would stop a
loop. A daemon thread never keeps the process alive: whoever waits for it does so
with a deadline, and abandons it with a report once that has passed.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import Callable, Coroutine
from typing import Any


class ThreadStartError(RuntimeError):
    """The operating system refused a thread (a memory or process limit)."""


def start_owned_thread(target: Callable[..., Any], *args: Any, name: str) -> threading.Thread:
    """Start ``target(*args)`` in a daemon thread; raise ThreadStartError, naming it, if none can start."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    start_thread(thread)
    return thread


def start_thread(thread: threading.Thread) -> None:
    try:
        thread.start()
    except RuntimeError as exc:  # "can't start new thread"
        if thread.ident is not None:  # pragma: no cover - started, then failed otherwise
            raise
        raise ThreadStartError(
            f"could not start a thread for {thread.name.removeprefix('lifespan ')!r}: {exc}. The "
            "process has reached a limit on threads or memory (ulimit -u, a container's pids or "
            "memory limit); raise the limit, or run fewer threads."
        ) from exc


Done = Callable[[Any, "BaseException | None"], None]


def close_thread_connections() -> None:
    """Close the database connections this thread opened (Django keeps them per thread)."""
    from django.db import connections

    connections.close_all()


def post(loop: asyncio.AbstractEventLoop, function: Callable[..., None], *args: Any) -> None:
    """Run ``function`` on the loop, from a thread; nothing to tell once the loop is closed."""
    try:
        loop.call_soon_threadsafe(function, *args)
    except RuntimeError:
        pass


def call_in_thread(
    function: Callable[..., Any],
    *args: Any,
    name: str,
    done: Done,
    loop: asyncio.AbstractEventLoop | None = None,
    context: contextvars.Context | None = None,
) -> threading.Thread:
    """``function(*args)`` in a daemon thread of its own; then its connections closed and
    ``done(result, error)`` run: posted to ``loop`` when given, else in the thread itself.

    With ``context``, the call runs in it (what was current for the caller, a span say).
    """

    def run() -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = context.run(function, *args) if context is not None else function(*args)
        except BaseException as exc:
            error = exc
        finally:
            try:
                close_thread_connections()
            except BaseException as exc:  # pragma: no cover - Django's own close failing
                error = error or exc
            finally:
                if loop is not None:
                    post(loop, done, result, error)
                else:
                    done(result, error)

    return start_owned_thread(run, name=name)


def call_in_task(
    loop: asyncio.AbstractEventLoop,
    function: Callable[..., Coroutine[Any, Any, Any]],
    *args: Any,
    name: str,
    done: Done,
) -> asyncio.Task[None]:
    """Await ``function(*args)`` in a task of its own, then ``done(result, error)`` on the loop.

    The coroutine is made inside the task: a task cancelled before it ever ran leaves
    no coroutine behind that was never awaited.
    """

    async def run() -> None:
        try:
            result = await function(*args)
        except BaseException as exc:  # Kept here: SystemExit out of a task stops the loop.
            done(None, exc)
        else:
            done(result, None)

    return loop.create_task(run(), name=name)
