"""The places a lifespan runs, other than a server's own lifespan task.

- ``HostedRunner``: in a task of its own, so the task that entered the
  contexts exits them even when start() and stop() are awaited from different
  tasks. ``lifespan()``, lazy startup, the test helpers and commands use it.
- ``ThreadHost`` (thread_host.py): on an event loop in a daemon thread of its
  own, for code that has no loop. ``start_in_thread()``, the sync test helpers
  and the worker integrations use it.

A server's lifespan task is the third: the handler runs a Runner there
itself. Every host drives the same Runner, so the guarantees are the same.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from django_lifespan_ctx._engine import process  # noqa: F401  # pyright: ignore[reportUnusedImport] - the one at-fork hook
from django_lifespan_ctx._engine.exceptions import Failure, raise_for_shutdown
from django_lifespan_ctx._engine.owner import uncancel_current_task
from django_lifespan_ctx._engine.runner import Runner
from django_lifespan_ctx._engine.setup import Setup
from django_lifespan_ctx._engine.state import State

Result = TypeVar("Result")


class HostedRunner:
    """Runs a Runner's startup and shutdown in a task of its own."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._stop = asyncio.Event()
        self._task: asyncio.Task[list[Failure]] | None = None
        self._startup_error: BaseException | None = None

    async def start(self) -> None:
        started = asyncio.get_running_loop().create_future()

        async def host() -> list[Failure]:
            try:
                await self.runner.startup()
            except BaseException as exc:
                # Kept in the task and raised in start()'s caller: SystemExit
                # or KeyboardInterrupt out of a task would stop the event loop.
                self._startup_error = exc
                return []
            started.set_result(None)
            try:
                await self._stop.wait()
            except asyncio.CancelledError:
                # asyncio.run() cancels leftover tasks when the loop ends.
                await self.runner.shutdown()
                raise
            return await self.runner.shutdown()

        self._task = task = asyncio.create_task(host(), name="django_lifespan_ctx lifespan")
        try:
            await asyncio.wait({started, task}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()  # The startup unwinds: waited for, however often we are cancelled meanwhile.
            await _through_cancellation(task)
            raise
        if self._startup_error is not None:
            raise self._startup_error

    async def stop(self) -> list[Failure]:
        """Shut down and return every failure; a cancellation meanwhile is passed on after the exits."""
        assert self._task is not None, "stop() before start()"
        self._stop.set()
        cancelled = await _through_cancellation(self._task)
        failures = self._task.result()
        if cancelled:
            raise_for_shutdown(failures)  # What failed matters more than the cancellation.
            raise asyncio.CancelledError
        return failures


async def _through_cancellation(task: asyncio.Task[list[Failure]]) -> bool:
    """Wait for the task to end, however often the waiter is cancelled; True if it was.

    The runner bounds every step with its deadlines, so this wait is bounded too.
    """
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait({task})
        except asyncio.CancelledError:
            cancelled = True
            uncancel_current_task()
    return cancelled


def lifespan_scope() -> dict[str, Any]:
    """A lifespan scope for runs that no server started."""
    return {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}


def hosted_runner(setup: Setup, *, sender: Any, contexts: Sequence[Any] | None = None) -> HostedRunner:
    scope = lifespan_scope()
    return HostedRunner(
        Runner(setup=setup, sender=sender, scope=scope, state=scope["state"], contexts=contexts)
    )


@asynccontextmanager
async def host_lifespan(
    setup: Setup, *, contexts: Sequence[Any] | None = None
) -> AsyncGenerator[State, None]:
    """The lifespan outside a server, with the Setup the layers above hand in (see _serving/setup.py)."""
    host = hosted_runner(setup, sender=None, contexts=contexts)
    await host.start()
    state = State(host.runner.state)
    token = setup.enter_hosted(state)
    try:
        yield state
    finally:
        setup.leave_hosted(token)
        failures = await host.stop()
    raise_for_shutdown(failures)
