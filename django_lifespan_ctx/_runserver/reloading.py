"""Django's autoreloader, turned around so that a reload never leaves a context open.

Django's ``runserver`` serves from a daemon thread and watches files in the
main thread, which ends the process with ``sys.exit(3)`` on a change: the
serving thread dies wherever it is, and a lifespan inside it would never exit.
Here the server owns the main thread and the watcher runs in a thread of its
own. A change, or a signal, asks the server to stop; the server exits its
contexts; only then does the process end, with the code that tells the parent
to start a new one. The parent waits for its child and never kills it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from types import FrameType
from typing import Protocol

from django.utils import autoreload

from django_lifespan_ctx._engine.stop_signals import STOP_SIGNALS

RESTART = 3  # The exit code Django's reloader restarts on.
POLL_SECONDS = 0.25
WAITING = "Waiting for a file change to restart (Ctrl+C to quit)."


class Serving(Protocol):
    def serve(self) -> bool:
        """Run in the main thread until stop(); False when it could not start."""
        ...

    def stop(self) -> None:
        """Ask serve() to return, from any thread or a signal handler."""
        ...


def run(serving: Serving, *, use_reloader: bool) -> int:
    """The process exit code: serve with Django's reloader, or once."""
    if not use_reloader:
        return serve_in_foreground(serving, watch=False)
    if os.environ.get(autoreload.DJANGO_AUTORELOAD_ENV) == "true":
        return serve_in_foreground(serving, watch=True)
    return restart_on_change()


def restart_on_change() -> int:
    """The parent: start the child again each time it exits to restart."""
    env = {**os.environ, autoreload.DJANGO_AUTORELOAD_ENV: "true"}
    while True:
        child = subprocess.Popen(autoreload.get_child_arguments(), env=env, close_fds=False)
        code = wait_for_child(child)
        if code != RESTART:
            return code


def wait_for_child(child: subprocess.Popen[bytes]) -> int:
    # Ctrl+C in a terminal reaches the child too; a signal sent to this
    # process alone is passed on. Either way the child is waited for: it is
    # exiting its contexts, and killing it would leave them open.
    def pass_on(number: int, frame: FrameType | None) -> None:
        if child.poll() is None:
            child.send_signal(number)

    previous = {number: signal.signal(number, pass_on) for number in STOP_SIGNALS}
    try:
        while True:
            try:
                # With a timeout, for the same reason as the wait after a failed start.
                return child.wait(POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


class _Interrupted(Exception):
    """Raised by the signal handler to end the wait after a failed start."""


class _Outcome:
    def __init__(self) -> None:
        self.code: int | None = None  # The first stop request decides the exit code.
        self.waiting = False
        self.changed = threading.Event()

    def decide(self, code: int) -> None:
        if self.code is None:
            self.code = code


def serve_in_foreground(serving: Serving, *, watch: bool) -> int:
    outcome = _Outcome()

    # A signal handler runs on the main thread between any two bytecodes, even
    # inside a lock the main thread holds: it touches no lock, only plain flags.
    def on_signal(number: int, frame: FrameType | None) -> None:
        outcome.decide(0)
        serving.stop()
        if outcome.waiting:
            outcome.waiting = False  # Raised once, and only inside the wait's try.
            raise _Interrupted

    def on_change(code: int) -> None:
        outcome.decide(code)
        serving.stop()
        outcome.changed.set()

    previous = {number: signal.signal(number, on_signal) for number in STOP_SIGNALS}
    reloader = autoreload.get_reloader() if watch else None
    try:
        if reloader is not None:
            autoreload.logger.info("Watching for file changes with %s", type(reloader).__name__)
            threading.Thread(
                target=watch_files, args=(reloader, on_change), name="django-autoreload", daemon=True
            ).start()
        if not _serve_reporting_errors(serving):
            if reloader is None:
                return 1
            # As Django's runserver does after a syntax error: wait, no spinning.
            try:
                outcome.waiting = True
                if outcome.code is None:
                    print(WAITING, file=sys.stderr, flush=True)
                    # With a timeout: a signal that another thread received runs
                    # its Python handler only once this thread is back in Python.
                    while not outcome.changed.wait(POLL_SECONDS):
                        pass
                outcome.waiting = False
            except _Interrupted:
                pass
        return 0 if outcome.code is None else outcome.code
    finally:
        if reloader is not None:
            reloader.stop()
        for number, handler in previous.items():
            signal.signal(number, handler)


def _serve_reporting_errors(serving: Serving) -> bool:
    served: list[bool] = []
    try:
        # check_errors records the file that raised, so the reloader watches it
        # even when it failed to import. It drops the return value.
        autoreload.check_errors(lambda: served.append(serving.serve()))()
        return served[0]
    except Exception:
        traceback.print_exc()
        return False


def watch_files(reloader: autoreload.BaseReloader, stop: Callable[[int], None]) -> None:
    try:
        while not reloader.should_stop:
            reloader.run(threading.main_thread())
    except SystemExit as exc:
        # trigger_reload() ends with sys.exit(3), here in this thread: stop the
        # server and let the main thread exit with the same code.
        stop(exc.code if isinstance(exc.code, int) else RESTART)
