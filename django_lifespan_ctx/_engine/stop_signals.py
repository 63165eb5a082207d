"""SIGINT and SIGTERM, the one way the library catches them.

The first stop signal asks to stop: the lifespan shuts down in order, every
exit within its deadline. A second asks to hurry: whatever exit still blocks
is abandoned with a report, and the rest carry on (see deadlines.Hurry). The
signal is passed on once everything has unwound: KeyboardInterrupt for
SIGINT, SystemExit(128 + n) for the others.

``run_until_signalled`` runs a LifespanCommand's loop under them. runserver's
serving process takes only STOP_SIGNALS from here: a Ctrl+C in a terminal
reaches both it and its reloader, which passes signals on, so it would count one
keypress twice, and does not hurry on a second signal.
"""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

from .deadlines import Hurry, current_hurry, set_process_hurry

Result = TypeVar("Result")

# Ctrl+C in a terminal, and what systemd, Kubernetes and `kill` send.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


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
    outcome = asyncio.run(_cancelled_by_signals(main, signals))
    if signals:
        signals[0].raise_caught()
    return cast("Result", outcome)  # None only when a signal was caught.


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
    """A server's own SIGINT and SIGTERM handlers, held back while the process drains.

    Installed in the main thread once the lifespan has started: the first stop
    signal calls ``on_first`` instead of the server's handler. ``pass_on()``
    then puts the server's handlers back and raises that signal again, so the
    server stops exactly as if it had just arrived: it closes its listener,
    finishes what is in flight and runs the lifespan shutdown.

    Servers catch signals in one of two ways, and both are held: a Python
    handler (signal.signal: uvicorn, gunicorn's workers, Twisted under daphne),
    or the event loop's (loop.add_signal_handler: hypercorn).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop, on_first: Callable[[int], None]) -> None:
        self.loop = loop
        self.on_first = on_first
        self.caught: list[int] = []
        self._python_handlers: dict[int, Any] = {}
        self._loop_handlers: dict[int, asyncio.Handle] = {}
        self._passed_on = False

    def hold(self) -> str | None:
        """Hold the server's handlers; or say, without holding any, why they cannot be held."""
        if threading.current_thread() is not threading.main_thread():
            return "the lifespan does not run in the main thread, the only one that can catch signals"
        for number in map(int, STOP_SIGNALS):
            current = signal.getsignal(number)
            if number not in _loop_signal_handlers(self.loop) and (
                current is None or current == signal.SIG_IGN
            ):
                name = signal.Signals(number).name
                return (
                    f"the server ignores {name}, or catches it outside Python"
                    if current == signal.SIG_IGN
                    else f"the server catches {name} outside Python"
                )
        for number in map(int, STOP_SIGNALS):
            handle = _loop_signal_handlers(self.loop).get(number)
            if handle is not None:
                self._loop_handlers[number] = handle
                self.loop.add_signal_handler(number, self._caught, number)
            else:
                self._python_handlers[number] = signal.signal(number, self._caught_in_python)
        return None

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
        for number, handle in self._loop_handlers.items():
            # A Handle keeps its callback privately; asyncio offers no other way to re-add it.
            callback, args = getattr(handle, "_callback"), getattr(handle, "_args")  # noqa: B009
            self.loop.add_signal_handler(number, callback, *args)
        for number, previous in self._python_handlers.items():
            signal.signal(number, previous)
        self._loop_handlers.clear()
        self._python_handlers.clear()


def _loop_signal_handlers(loop: asyncio.AbstractEventLoop) -> dict[int, asyncio.Handle]:
    # asyncio's Unix loops keep what add_signal_handler() installed here; there is
    # no public way to read it, and no other way to hold such a handler back.
    return cast("dict[int, asyncio.Handle]", getattr(loop, "_signal_handlers", {}))
