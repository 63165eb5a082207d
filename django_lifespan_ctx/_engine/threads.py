"""The threads in which blocking user code runs: sync contexts, receivers and health checks.

Each call gets a daemon thread of the library's own, never a thread of the
event loop's shared default executor: Django logs every 4xx/5xx response
through that executor, so one hung check there could stall the whole site.
A daemon thread never keeps the process alive: whoever waits for it does so
with a deadline, and abandons it with a report once that has passed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class ThreadStartError(RuntimeError):
    """The operating system refused a thread (a memory or process limit)."""


def start_owned_thread(target: Callable[..., Any], *args: Any, name: str) -> threading.Thread:
    """Start ``target(*args)`` in a daemon thread; raise ThreadStartError, naming it, if none can start."""
    thread = threading.Thread(target=target, args=args, name=name, daemon=True)
    start_thread(thread)
    return thread


def start_thread(thread: threading.Thread) -> None:
    try:
        thread.start()
    except RuntimeError as exc:  # "can't start new thread"
        if thread.ident is not None:  # pragma: no cover - started, then failed otherwise
            raise
        raise ThreadStartError(
            f"could not start a thread for {thread.name.removeprefix('lifespan ')!r}: {exc}. The "
            "process has reached a limit on threads or memory (ulimit -u, a container's pids or "
            "memory limit); raise the limit, or run fewer threads."
        ) from exc
