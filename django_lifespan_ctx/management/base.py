"""LifespanCommand: a management command whose ahandle() runs inside the project's lifespan."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar, cast

from django.core.management.base import BaseCommand, CommandError

from ..exceptions import LifespanShutdownError, LifespanStartupError
from ..hosted import lifespan
from ..state import State

Result = TypeVar("Result")

# Ctrl+C in a terminal, and what systemd, Kubernetes and `kill` send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class LifespanCommand(BaseCommand):
    """Subclass it and write ``async def ahandle(self, *args, **options)``.

    The project's contexts are entered and the signals sent before ahandle()
    runs, and exited after it returns, raises, or is interrupted; during it,
    ``self.state`` and ``current_state()`` are the lifespan's State.
    """

    state: State

    async def ahandle(self, *args: Any, **options: Any) -> str | None:
        raise NotImplementedError("subclasses of LifespanCommand must provide an ahandle() method")

    def handle(self, *args: Any, **options: Any) -> str | None:
        try:
            return run_until_signalled(self._in_lifespan(args, options))
        except LifespanStartupError as exc:
            raise CommandError(str(exc)) from exc
        except LifespanShutdownError as exc:
            # Every exit has run; the output ahandle() returned is lost with the status.
            raise CommandError(str(exc)) from exc

    async def _in_lifespan(self, args: tuple[Any, ...], options: dict[str, Any]) -> str | None:
        async with lifespan() as state:
            self.state = state
            return await self.ahandle(*args, **options)


def run_until_signalled(main: Coroutine[Any, Any, Result]) -> Result:
    """asyncio.run(main), where SIGINT or SIGTERM cancels main and waits for its cleanup.

    Python 3.11's asyncio.run cancels on SIGINT; 3.10's raises KeyboardInterrupt
    wherever the loop happens to be, which can be inside a context's exit.
    Here both versions cancel, and the signal is raised once main has unwound:
    KeyboardInterrupt for SIGINT, SystemExit(128 + n) for the others. A second
    signal stops waiting for the cleanup.
    """
    caught: list[int] = []
    outcome = asyncio.run(_cancelled_by_signals(main, caught))
    if caught and caught[0] == signal.SIGINT:
        raise KeyboardInterrupt
    if caught:
        raise SystemExit(128 + caught[0])
    return cast("Result", outcome)  # None only when a signal was caught.


async def _cancelled_by_signals(main: Coroutine[Any, Any, Result], caught: list[int]) -> Result | None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if caught:
            raise KeyboardInterrupt  # The second one: give up on the cleanup.
        caught.append(signum)
        task.cancel()

    # Only the main thread receives signals (call_command from a thread does not).
    installed: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in STOP_SIGNALS:
            previous = signal.getsignal(signum)
            try:
                loop.add_signal_handler(signum, on_signal, signum)
            except NotImplementedError:  # pragma: no cover - Windows' event loops
                break
            installed[signum] = previous
    try:
        return await main
    except asyncio.CancelledError:
        if not caught:
            raise
        return None
    finally:
        for number, previous in installed.items():
            loop.remove_signal_handler(number)
            # None: a handler installed outside Python, which cannot be put back.
            signal.signal(number, signal.SIG_DFL if previous is None else previous)
