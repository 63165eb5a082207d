"""Running a plan's lifespan in a task of its own: lifespan() and lazy startup use it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from .current import enter_hosted, leave_hosted
from .exceptions import Failure, raise_for_shutdown
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

        self._task = asyncio.create_task(host(), name="django_lifespan_ctx lifespan")
        try:
            await asyncio.wait({started, self._task}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            self._task.cancel()
            await asyncio.wait({self._task})
            raise
        if self._startup_error is not None:
            raise self._startup_error

    async def stop(self) -> list[Failure]:
        assert self._task is not None, "stop() before start()"
        self._stop.set()
        return await asyncio.shield(self._task)


def lifespan_scope() -> dict[str, Any]:
    """A lifespan scope for runs that no server started."""
    return {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}


def hosted_runner(*, sender: Any, contexts: Sequence[Any] | None = None) -> HostedRunner:
    scope = lifespan_scope()
    return HostedRunner(Runner(sender=sender, scope=scope, state=scope["state"], contexts=contexts))


@asynccontextmanager
async def lifespan(*, contexts: Sequence[Any] | None = None) -> AsyncGenerator[State, None]:
    """Run the project's lifespan (contexts and signals) outside a server.

    ``contexts`` replaces LIFESPAN_CONTEXTS and registered contexts for this
    run; the signals are sent either way. Inside, current_state() is this state.
    """
    host = hosted_runner(sender=None, contexts=contexts)
    await host.start()
    state = State(host.runner.state)
    token = enter_hosted(state)
    try:
        yield state
    finally:
        leave_hosted(token)
        failures = await host.stop()
    raise_for_shutdown(failures)
