"""Waiting with a deadline, woken by the owners waited for: how the runner waits.

(The hosts wait on the one task they host with ``asyncio.wait``: nothing there
needs waking but that task's end.)

A waiter sleeps on one future of its own, which the owners it waits for
resolve as their state changes (always on the loop: threads post there
first). Compared with asyncio.wait this costs one trip round the loop per
wake-up instead of two, and no set bookkeeping: it is most of what keeps a
no-op context cheap.

A second stop signal asks the waiters to hurry (see stop_signals.py): every
deadline then counts as passed, so a blocking exit is abandoned with a report
and the rest carry on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Hurry:
    """Set by a second stop signal: give up on what still runs, and carry on with the rest.

    request() may run in a signal handler, between any two bytecodes of the
    loop's own thread: it only sets a flag and posts to each waiting loop.
    """

    def __init__(self) -> None:
        # How many times hurry was asked for: a wait that began before the
        # latest request is cut short; one that begins after it is not.
        self.count = 0
        self._waiting: dict[Callable[[], None], asyncio.AbstractEventLoop] = {}

    def request(self) -> bool:
        """Cut short the waits in progress; False when nothing was waiting."""
        self.count += 1
        waiting = list(self._waiting.items())
        for wake, loop in waiting:
            try:
                loop.call_soon_threadsafe(wake)
            except RuntimeError:  # pragma: no cover - that loop has closed
                pass
        return bool(waiting)

    def watch(self, wake: Callable[[], None]) -> None:
        self._waiting[wake] = asyncio.get_running_loop()

    def unwatch(self, wake: Callable[[], None]) -> None:
        self._waiting.pop(wake, None)


# The hurry of the stop signals being caught in this process now (stop_signals.py), if any.
_process_hurry: Hurry | None = None


def current_hurry() -> Hurry | None:
    return _process_hurry


def set_process_hurry(hurry: Hurry | None) -> None:
    global _process_hurry
    _process_hurry = hurry


class Deadline:
    def __init__(self, seconds: float | None, hurry: Hurry | None = None) -> None:
        self.seconds = seconds
        self.hurry = hurry
        self._hurries_before = 0 if hurry is None else hurry.count
        self.end = None if seconds is None else asyncio.get_running_loop().time() + seconds

    @property
    def hurried(self) -> bool:
        """A stop signal asked to hurry since this deadline was set."""
        return self.hurry is not None and self.hurry.count > self._hurries_before

    def remaining(self) -> float | None:
        if self.hurried:
            return 0.0
        if self.end is None:
            return None
        return max(0.0, self.end - asyncio.get_running_loop().time())

    def passed(self) -> bool:
        return self.remaining() == 0.0


class Waker:
    """One task's wait, ended by ``wake()`` (from the loop), by its deadline, or by a hurry."""

    def __init__(self) -> None:
        self._waiter: asyncio.Future[None] | None = None

    def wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def sleep(self, deadline: Deadline) -> None:
        """Until woken or the deadline passes; the caller then looks at what changed."""
        if deadline.passed():
            return
        loop = asyncio.get_running_loop()
        self._waiter = waiter = loop.create_future()
        timer = None if deadline.end is None else loop.call_at(deadline.end, self.wake)
        hurry = deadline.hurry
        if hurry is not None:
            hurry.watch(self.wake)
        try:
            await waiter
        finally:
            self._waiter = None
            if timer is not None:
                timer.cancel()
            if hurry is not None:
                hurry.unwatch(self.wake)
