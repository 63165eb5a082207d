"""SIGINT and SIGTERM, caught for the lifespans the library runs itself (commands, threads).

Two other places handle stop signals, each for a reason of its own: runserver's
reloader (``_runserver/reloading.py``) passes them on to the serving process it
restarts, and a drain (``_serving/draining.py``) holds a server's own handlers back
while requests finish, through ``HeldStopSignals`` below.

The first stop signal asks to stop: the lifespan shuts down in order, every
exit within its deadline. A second asks to hurry: whatever exit still blocks
is abandoned with a report, and the rest carry on (see deadlines.Hurry). The
signal is passed on once everything has unwound: KeyboardInterrupt for
SIGINT, SystemExit(128 + n) for the others.

``run_until_signalled`` runs a LifespanCommand's loop under them, and closes it
without waiting for ever on a task that swallows its cancellation (``run_bounded``). runserver's
serving process takes only STOP_SIGNALS from here: a Ctrl+C in a terminal
reaches both it and its reloader, which passes signals on, so it would count one
keypress twice, and does not hurry on a second signal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar, cast

from django_lifespan_ctx._engine.deadlines import Hurry, current_hurry, set_process_hurry
from django_lifespan_ctx._engine.observers import log

Result = TypeVar("Result")

# Ctrl+C in a terminal, and what systemd, Kubernetes and `kill` send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# How long a closing loop waits for the tasks left over once it has cancelled them.
LEFTOVERS_WITHIN = 1.0
# Tasks left on a closed loop because they swallowed their cancellation (never collected).
_abandoned: list[asyncio.Task[Any]] = []
# When a held stop signal's wakeup fd is checked again: soon after the hold begins, then each second.
CHECK_AFTER = (0.01, 0.05, 0.1, 0.25, 0.5)


class StopSignals:
    """Counts the stop signals caught: the first calls ``on_stop``, later ones hurry.

    A later signal with no lifespan wait to cut short calls ``on_stop`` again:
    the cleanup that runs then is not ours, and is cancelled like the rest.
    """

    def __init__(self, on_stop: Callable[[int], None]) -> None:
        self.on_stop = on_stop
        self.caught: list[int] = []
        self.hurry = Hurry()

    def __call__(self, number: int) -> None:
        self.caught.append(number)
        if len(self.caught) == 1 or not self.hurry.request():
            self.on_stop(number)

    def raise_caught(self) -> None:
        """Pass the first signal on, as the default handlers would have."""
        if not self.caught:
            return
        if self.caught[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + self.caught[0])


def run_until_signalled(main: Coroutine[Any, Any, Result]) -> Result:
    """asyncio.run(main), where SIGINT or SIGTERM cancels main and waits for its cleanup.

    Python 3.11's asyncio.run cancels on SIGINT; 3.10's raises KeyboardInterrupt
    wherever the loop happens to be, which can be inside a context's exit.
    Here both versions cancel, and the signal is raised once main has unwound.
    """
    signals: list[StopSignals] = []
    outcome = run_bounded(_cancelled_by_signals(main, signals))
    if signals:
        signals[0].raise_caught()
    return cast("Result", outcome)  # None only when a signal was caught.


def run_bounded(main: Coroutine[Any, Any, Result], leftovers_within: float | None = None) -> Result:
    """asyncio.run(main), whose close waits for leftover tasks only within a bound.

    asyncio.run() ends by cancelling every task left and waiting for all of them,
    for ever: one that swallows its cancellation (a service the shutdown already
    reported and abandoned) would hold the process. Here each leftover task is
    cancelled and given ``leftovers_within`` seconds; those still running are
    reported, kept from the garbage collector, and left on the closed loop.
    asyncio.Runner (3.11) closes the same unbounded way, so the loop is run by hand.
    """
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            _cancel_leftovers(loop, LEFTOVERS_WITHIN if leftovers_within is None else leftovers_within)
            loop.run_until_complete(loop.shutdown_asyncgens())
            # Its threads cannot be interrupted: one stuck in a blocking call is left behind.
            executor = loop.create_task(loop.shutdown_default_executor())
            _abandoned.extend(loop.run_until_complete(asyncio.wait([executor], timeout=1))[1])
        finally:
            asyncio.set_event_loop(None)
            loop.close()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop, within: float) -> None:
    leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not leftovers:
        return
    for task in leftovers:
        task.cancel()
    done, pending = loop.run_until_complete(asyncio.wait(leftovers, timeout=within))
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            loop.call_exception_handler(
                {
                    "message": "unhandled exception in a task left over when the loop closed",
                    "exception": task.exception(),
                    "task": task,
                }
            )
    if pending:
        _abandoned.extend(pending)  # Collected, a pending task would be reported again, as destroyed.
        log(
            logging.WARNING,
            "Closing the event loop without waiting any longer for %s left over after the "
            "lifespan ended, which did not finish within %s s of being cancelled: %s. Code that "
            "swallows its cancellation is abandoned, so that the process can exit.",
            "the task" if len(pending) == 1 else f"the {len(pending)} tasks",
            within,
            ", ".join(sorted(_describe(task) for task in pending)),
        )


def _describe(task: asyncio.Task[Any]) -> str:
    coroutine = task.get_coro()
    name = getattr(coroutine, "__qualname__", None) or repr(coroutine)
    return f"{task.get_name()} ({name})"


async def _cancelled_by_signals(main: Coroutine[Any, Any, Result], found: list[StopSignals]) -> Result | None:
    task = asyncio.current_task()
    assert task is not None
    loop = asyncio.get_running_loop()

    def cancel(number: int) -> None:
        task.cancel()

    signals = StopSignals(cancel)
    found.append(signals)
    # Only the main thread receives signals (call_command from a thread does not).
    installed: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for number in map(int, STOP_SIGNALS):
            previous = signal.getsignal(number)
            try:
                loop.add_signal_handler(number, signals, number)
            except NotImplementedError:  # pragma: no cover - Windows' event loops
                break
            installed[number] = previous
    outer = current_hurry()
    if installed:
        set_process_hurry(signals.hurry)
    try:
        return await main
    except asyncio.CancelledError:
        if not signals.caught:
            raise
        return None
    finally:
        set_process_hurry(outer)
        for number, previous in installed.items():
            loop.remove_signal_handler(number)
            # None: a handler installed outside Python, which cannot be put back.
            signal.signal(number, signal.SIG_DFL if previous is None else previous)


class HeldStopSignals:
    """A server's own stop-signal handlers (SIGTERM, SIGINT or both), held back while the process drains.

    Installed in the main thread once the lifespan has started: the first stop
    signal calls ``on_first`` instead of the server's handler. ``pass_on()``
    then puts the server's handlers back and raises that signal again, so the
    server stops exactly as if it had just arrived: it closes its listener,
    finishes what is in flight and runs the lifespan shutdown.

    Servers catch signals in one of two ways, and both are held by public means
    only: a Python handler (signal.signal: uvicorn, gunicorn's workers, Twisted
    under daphne) is replaced by ours; the event loop's (loop.add_signal_handler:
    hypercorn, granian's workers) is a Python no-op handler plus the process's
    wakeup fd, through which asyncio's and uvloop's loops alike learn which
    signal came and look it up in their own table. While holding, the wakeup fd
    is a socket of ours, so the loop never hears of a stop signal; any other
    signal's byte is handed on to the loop's fd as it arrives.

    A loop may point the wakeup fd back at its own: uvloop does each time it
    starts running again (granian runs its loop once for the startup, then
    again to serve), and asyncio's does on any later add_signal_handler(). So
    the hold is checked, and taken back, soon after it begins and then once a
    second; a loop that starts again runs the overdue check first.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_first: Callable[[int], None],
        signals: Sequence[int] = STOP_SIGNALS,
    ) -> None:
        self.loop = loop
        self.on_first = on_first
        # The ones held; any other reaches the server as if nothing held it.
        self.signals = tuple(map(int, signals))
        self.caught: list[int] = []
        self._python_handlers: dict[int, Any] = {}
        self._wakeup: socket.socket | None = None
        self._wakeup_reader: socket.socket | None = None
        self._previous_wakeup_fd = -1
        self._passed_on = False
        self._check: asyncio.TimerHandle | None = None

    def hold(self) -> str | None:
        """Hold the server's handlers; or say, without holding any, why they cannot be held."""
        if threading.current_thread() is not threading.main_thread():
            return "the lifespan does not run in the main thread, the only one that can catch signals"
        for number in self.signals:
            current = signal.getsignal(number)
            name = signal.Signals(number).name
            if current == signal.SIG_IGN:
                return f"the server ignores {name}, or catches it outside Python"
            if current is None:
                return f"the server catches {name} outside Python"
            if current == signal.SIG_DFL:
                # Neither a Python handler nor an event loop's (which installs one): the
                # process is stopped some other way, or killed outright by the signal.
                return f"nothing in this process catches {name}: the server stops it some other way"
        reason = self._redirect_wakeup_fd()
        if reason is not None:
            return reason
        for number in self.signals:
            self._python_handlers[number] = signal.signal(number, self._caught_in_python)
        self._keep_holding(iter(CHECK_AFTER))
        return None

    def _keep_holding(self, delays: Iterator[float]) -> None:
        assert self._wakeup is not None
        current = signal.set_wakeup_fd(self._wakeup.fileno(), warn_on_full_buffer=False)
        if current != self._wakeup.fileno():
            self._previous_wakeup_fd = current  # The loop's new one: theirs once we let go.
        for number in list(self._python_handlers):
            if signal.getsignal(number) != self._caught_in_python:  # The server's again, newer.
                self._python_handlers[number] = signal.signal(number, self._caught_in_python)
        self._check = self.loop.call_later(next(delays, 1.0), self._keep_holding, delays)

    def _redirect_wakeup_fd(self) -> str | None:
        reader, writer = socket.socketpair()
        reader.setblocking(False)
        writer.setblocking(False)
        try:
            self.loop.add_reader(reader.fileno(), self._read_wakeup)
        except NotImplementedError:  # pragma: no cover - Windows' proactor loop
            reader.close()
            writer.close()
            return f"its event loop ({type(self.loop).__name__}) cannot watch a socket for signals"
        self._previous_wakeup_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._wakeup, self._wakeup_reader = writer, reader
        return None

    def _read_wakeup(self) -> None:
        # The held signals are acted on by our Python handler, which the interpreter
        # runs around this callback; every other signal is the loop's business.
        assert self._wakeup_reader is not None
        others = bytearray()
        while True:
            try:
                data = self._wakeup_reader.recv(4096)
            except (BlockingIOError, InterruptedError):
                break
            if not data:
                break
            others += bytes(n for n in data if n not in self.signals)
        if others and self._previous_wakeup_fd != -1:
            try:
                os.write(self._previous_wakeup_fd, others)
            except OSError:  # Full or closed: the loop has as much as it would have had.
                pass

    def _caught_in_python(self, number: int, frame: Any) -> None:
        # Runs in the main thread between two bytecodes, perhaps inside the loop's
        # own machinery: the loop is only told, thread-safely, to do the rest.
        self.loop.call_soon_threadsafe(self._caught, number)

    def _caught(self, number: int) -> None:
        self.caught.append(number)
        if len(self.caught) == 1:
            self.on_first(number)
        else:
            self.pass_on()  # A second signal: the rest of the window is skipped.

    def pass_on(self) -> None:
        """Give the server its handlers back, and the first signal caught (once)."""
        if self._passed_on or not self.caught:
            return
        self._passed_on = True
        self.release()
        signal.raise_signal(self.caught[0])

    def release(self) -> None:
        """Put the server's handlers back, delivering nothing."""
        for number, previous in self._python_handlers.items():
            signal.signal(number, previous)
        self._python_handlers.clear()
        if self._check is not None:
            self._check.cancel()
        if self._wakeup is None or self._wakeup_reader is None:
            return
        self._read_wakeup()  # Hand on what is pending for the loop.
        current = signal.set_wakeup_fd(-1)
        # Someone pointed it at their own since (a loop started again): theirs stays.
        signal.set_wakeup_fd(self._previous_wakeup_fd if current == self._wakeup.fileno() else current)
        self.loop.remove_reader(self._wakeup_reader.fileno())
        self._wakeup.close()
        self._wakeup_reader.close()
        self._wakeup = self._wakeup_reader = None
