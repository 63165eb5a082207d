"""Draining: on the first stop signal, report not ready and keep serving, then let the server stop.

A load balancer keeps sending requests to a pod until it sees it go unready;
a server that stops accepting on SIGTERM fails those. With
LIFESPAN_DRAIN_SECONDS set, the server's lifespan holds the stop signals
LIFESPAN_DRAIN_SIGNALS lists (stop_signals.HeldStopSignals; SIGTERM by default,
what orchestrators send, so Ctrl+C still stops at once): the first begins the drain, readyz/
answers 503 with status "draining" at once, requests are served for the
window, and then the signal is handed to the server, which stops as usual.
A second signal ends the window early.

Code that holds connections open (a Channels consumer, a streaming view)
asks is_draining(), or awaits wait_for_drain(), to close them politely first.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
import time
from collections.abc import Sequence

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.process import process_wide

__all__ = ["in_flight", "is_draining", "wait_for_drain"]

_lock = threading.Lock()
_began_at: float | None = None
_window = 0.0
_waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []
# Requests and connections the handler is serving; counted only while a drain is armed.
_in_flight = 0
counting = False


def is_draining() -> bool:
    """Whether this process has begun draining: a stop signal came, and the server stops soon."""
    return _began_at is not None


async def wait_for_drain() -> None:
    """Return once this process begins draining (at once if it has), or its lifespan shuts down."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    with _lock:
        if _began_at is not None:
            return
        _waiters.append((loop, future))
    try:
        await future
    finally:
        with _lock:
            if (loop, future) in _waiters:
                _waiters.remove((loop, future))


def in_flight() -> int:
    """HTTP requests the handler is serving now, probes left out, while a drain is armed (else 0).

    WebSocket connections are not counted: Channels serves them without our
    handler. Long-lived connections ask is_draining() or await wait_for_drain().
    """
    return _in_flight


def _not_draining() -> None:
    """Not draining, nothing in flight: where each server lifespan starts."""
    global _began_at, _in_flight
    with _lock:
        _began_at, _in_flight = None, 0


@process_wide
def _reset() -> None:
    # Not draining, nothing in flight, no waiters. A child of gunicorn --preload and
    # other pre-forking servers starts its own lifespan so, without the parent's lock.
    global _lock, _waiters, _began_at, _in_flight, counting
    _lock, _waiters, _began_at, _in_flight, counting = threading.Lock(), [], None, 0, False


def seconds_left() -> float:
    """Seconds of the drain window left before the server is given its stop signal."""
    return 0.0 if _began_at is None else max(0.0, _window - (time.monotonic() - _began_at))


def request_began() -> None:
    global _in_flight
    with _lock:
        _in_flight += 1


def request_ended() -> None:
    global _in_flight
    with _lock:
        _in_flight -= 1


class Drain:
    """The drain of one server lifespan: armed once it has started, disarmed when it shuts down."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        seconds: float,
        server: str = "this server",
        signals: Sequence[str] = ("SIGTERM",),
    ) -> None:
        self.loop = loop
        self.seconds = seconds
        self.server = server
        from django_lifespan_ctx._engine.stop_signals import HeldStopSignals  # Only a drain needs it.

        self.held = HeldStopSignals(loop, self._begin, [signal.Signals[name] for name in signals])
        self._timer: asyncio.TimerHandle | None = None
        self.armed = False

    def arm(self) -> None:
        global counting
        _not_draining()
        reason = self.held.hold()
        if reason is not None and self.server == "hypercorn":
            reason = (
                "its main process catches the stop signals and tells its worker processes to stop "
                "through a multiprocessing event, which this worker cannot hold back. Run it as one "
                "process, with --workers 0, to drain"
            )
        elif reason is not None:
            reason += (
                ". Serve it as a row of the Draining page's table shows (uvicorn, granian, "
                "hypercorn --workers 0, under asyncio or uvloop), or sleep for the window in a "
                "Kubernetes preStop hook instead"
            )
        if reason is not None:
            log(
                logging.WARNING,
                "LIFESPAN_DRAIN_SECONDS is %s, but %s cannot drain: %s. It stops on the first "
                "stop signal as if the setting were 0; readyz/ still goes 503 once the lifespan "
                "shuts down. See the Draining page of the docs.",
                self.seconds,
                self.server,
                reason,
            )
            return
        self.armed = True
        counting = True

    def _begin(self, number: int) -> None:
        global _began_at, _window
        with _lock:
            _began_at, _window = time.monotonic(), self.seconds
            waiters = list(_waiters)
            _waiters.clear()
        # The end of the window first: nothing a waiter's loop does may keep the server from its signal.
        self._timer = self.loop.call_later(self.seconds, self.held.pass_on)
        _wake_all(waiters)
        log(
            logging.WARNING,
            "Draining after %s: readyz/ answers 503, requests are served for %s s more, then the "
            "server stops (a second stop signal stops it now).",
            _signal_name(number),
            self.seconds,
        )

    def disarm(self) -> None:
        """The lifespan is shutting down: give the server its signal handlers back."""
        global counting
        counting = False
        if self._timer is not None:
            self._timer.cancel()
        if self.armed:
            self.armed = False
            self.held.release()


def lifespan_stopping(drain: Drain | None) -> None:
    """The server's lifespan is shutting down: disarm its drain, if any, and end every wait.

    A wait_for_drain() waiter (a consumer, a stream) is told the process is stopping
    whether or not a drain came first, so that it closes its connection politely
    before the contexts it uses exit; it never waits on a lifespan that is gone.
    """
    if drain is not None:
        drain.disarm()
    with _lock:
        waiters = list(_waiters)
        _waiters.clear()
    _wake_all(waiters)


def _wake_all(waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]) -> None:
    for loop, future in waiters:
        try:
            loop.call_soon_threadsafe(_wake, future)
        except RuntimeError:  # Its loop was closed without cancelling it: no one waits there now.
            pass


def arm_drain() -> Drain | None:
    """Arm a drain for the server lifespan started on the running loop, if LIFESPAN_DRAIN_SECONDS is set."""
    seconds = conf.LIFESPAN_DRAIN_SECONDS
    if not seconds:
        return None
    drain = Drain(asyncio.get_running_loop(), seconds, _server_name(), conf.LIFESPAN_DRAIN_SIGNALS)
    drain.arm()
    return drain


def _server_name() -> str:
    # For the warning only: the first server known to us that this process imported.
    for name in ("granian", "hypercorn", "daphne", "gunicorn", "uvicorn"):
        if name in sys.modules:
            return name
    return "this server"


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _signal_name(number: int) -> str:
    return signal.Signals(number).name
