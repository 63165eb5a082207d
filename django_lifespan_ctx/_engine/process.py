"""Process-wide state: one registry of resets, one reset, one at-fork hook.

A few things belong to the whole process rather than to one lifespan: whether a
drain is on and what is in flight, what readiness reports, the lifespan a thread
runs, the worker threads using it, the health checks still running, the state for
scopes without one. Each module that keeps such state registers, with
``@process_wide``, a function that puts it back as it was at import.

``reset_process()`` runs them all. Tests call it between tests (tests/conftest.py)
and never reach into the modules. A forked child runs them too: fork() copies
memory, not threads, so in the child every thread but the forking one is gone
while the objects that stood for them remain (an executor that believes it has an
idle worker, a lock a vanished thread held, a registry that names the parent's
lifespan). asgiref's process-wide executor is replaced first (see below).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync

_resets: list[Callable[[], None]] = []


def process_wide(reset: Callable[[], None]) -> Callable[[], None]:
    """Register what puts a module's process-wide state back as at import (a decorator)."""
    _resets.append(reset)
    return reset


def reset_process() -> None:
    """Put every piece of process-wide state back as at import: between tests, for one."""
    _fresh_asgiref_executor(shut_down_the_old=True)
    _run_resets()


def _fresh_asgiref_executor(*, shut_down_the_old: bool) -> None:
    # sync_to_async sends thread-sensitive calls made outside any request to
    # one class-wide ThreadPoolExecutor(max_workers=1). Once it has run
    # something, its thread waits idle and it counts itself as having an idle
    # worker: in a forked child that thread is gone, but the count is not, so no
    # thread is ever started again and every call waits forever (our thread
    # pool warm-up included). A fresh executor starts its thread on first use;
    # asgiref reads the attribute at every call, so every caller gets it.
    old = SyncToAsync.single_thread_executor
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)
    if shut_down_the_old:
        # In this process its thread exists: let it end. Never in a forked child,
        # where a vanished thread may hold the executor's lock.
        old.shutdown(wait=False)


def _run_resets() -> None:
    for reset in _resets:
        try:
            reset()
        except Exception:  # pragma: no cover - a reset only assigns fresh objects
            # Logged, not raised: an exception in an at-fork hook is only printed,
            # and the other resets must still run.
            logging.getLogger("django_lifespan_ctx").exception("Resetting %r failed", reset)


def _after_fork_in_child() -> None:
    _fresh_asgiref_executor(shut_down_the_old=False)
    _run_resets()


if hasattr(os, "register_at_fork"):  # pragma: no branch - Windows cannot fork
    os.register_at_fork(after_in_child=_after_fork_in_child)
