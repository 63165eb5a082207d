"""Running a plan's lifespan in a task of its own: lifespan() and lazy startup use it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from .exceptions import Failure, LifespanShutdownError
from .registry import build_plan
from .runner import Runner
from .state import State


class HostedRunner:
    """Runs a Runner's startup and shutdown in a task of its own.

    Contexts are then exited by the task that entered them even when start()
    and stop() are awaited from different tasks: test frameworks that set up
    and tear down fixtures in different tasks, or the first request of a
    server that sends no lifespan events and the hook that runs at its exit.
    """

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self._stop = asyncio.Event()
        self._task: asyncio.Task[list[Failure]] | None = None

    async def start(self) -> None:
        started = asyncio.get_running_loop().create_future()

        async def host() -> list[Failure]:
            await self.runner.startup()
            started.set_result(None)
            try:
                await self._stop.wait()
            except asyncio.CancelledError:
                # asyncio.run() cancels leftover tasks when the loop ends.
                await self.runner.shutdown()
                raise
            return await self.runner.shutdown()

        self._task = asyncio.create_task(host(), name="django_lifespan_ctx lifespan")
        try:
            await asyncio.wait({started, self._task}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._task.cancel()
            await asyncio.wait({self._task})
            raise
        if self._task.done():
            self._task.result()  # Startup failed: raises LifespanStartupError.

    async def stop(self) -> list[Failure]:
        assert self._task is not None, "stop() before start()"
        self._stop.set()
        return await asyncio.shield(self._task)


def lifespan_scope() -> dict[str, Any]:
    """A lifespan scope for runs that no server started."""
    return {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}


@asynccontextmanager
async def lifespan(*, contexts: Sequence[Any] | None = None) -> AsyncGenerator[State, None]:
    """Run the project's lifespan (contexts and signals) outside a server.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts for this
    run; the signals are sent either way.
    """
    scope = lifespan_scope()
    host = HostedRunner(Runner(build_plan(contexts), sender=None, scope=scope, state=scope["state"]))
    await host.start()
    try:
        yield State(host.runner.state)
    finally:
        failures = await host.stop()
    if failures:
        raise LifespanShutdownError(failures)
