"""Helpers for tests that run `manage.py runserver`, in a process or in this one."""

from __future__ import annotations

import io
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.servers import REPO, ServerProcess

SITE = REPO / "tests" / "runserver_site"
BANNER = "Starting ASGI development server"


def copy_site(destination: Path) -> Path:
    """A copy of the small project, so a test may touch and edit its files."""
    site = destination / "site"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns("__pycache__"))
    return site


def manage_runserver(site: Path, *args: str, log: Path) -> ServerProcess:
    """`python -m manage runserver ...` in the project's directory, its contexts logging to `log`."""
    server = ServerProcess(["manage", "runserver", *args], settings="site_settings", cwd=site)
    server.env["LIFESPAN_LOG"] = str(log)
    return server


def log_lines(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def change(path: Path, until: Callable[[float], bool], attempts: int = 20) -> None:
    """Move a file's mtime forward until the watcher has seen it (`until` returns True).

    Django's StatReloader notices a change only after its first snapshot of the
    file, which it takes at a moment no log line marks; each attempt is a newer
    change, and `until` waits for the reload's own log line.
    """
    for attempt in range(1, attempts + 1):
        stamp = time.time() + attempt
        os.utime(path, (stamp, stamp))
        if until(1.5):
            return
    raise AssertionError(f"no reload after changing {path} {attempts} times")


class Announcing(io.StringIO):
    """A command's stdout that sets an event once a marker has been written."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        self.marker = marker
        self.seen = threading.Event()

    def fileno(self) -> int:
        # tests.contexts writes its event lines straight to stderr's descriptor.
        return sys.__stderr__.fileno()  # type: ignore[union-attr]

    def write(self, text: str) -> int:
        written = super().write(text)
        if self.marker in self.getvalue():
            self.seen.set()
        return written


def interrupt_this_process() -> None:
    """Ctrl+C for a server running in this process's main thread."""
    os.kill(os.getpid(), signal.SIGINT)
