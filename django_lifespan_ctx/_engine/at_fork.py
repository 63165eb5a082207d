"""What a forked child must not inherit: the process's one at-fork hook.

fork() copies memory, not threads. In the child every thread but the forking
one is gone, while the objects that stood for them remain: an executor that
believes it has an idle worker, a lock a vanished thread held, a registry that
names the parent's lifespan. The child must start from nothing, so each module
that keeps such state gives a reset here, and the single hook registered with
``os.register_at_fork`` runs them all, in the order they were given, in the
child only. asgiref's process-wide executor is reset first (see below).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync

_resets: list[Callable[[], None]] = []


def reset_in_child(reset: Callable[[], None]) -> Callable[[], None]:
    """Run ``reset`` in every child forked from now on (usable as a decorator)."""
    _resets.append(reset)
    return reset


@reset_in_child
def _fresh_asgiref_executor() -> None:
    # sync_to_async sends thread-sensitive calls made outside any request to
    # one class-wide ThreadPoolExecutor(max_workers=1). Once it has run
    # something, its thread waits idle and it counts itself as having an idle
    # worker: in the child that thread is gone, but the count is not, so no
    # thread is ever started again and every call waits forever (our thread
    # pool warm-up included). A fresh executor starts its thread on first use;
    # asgiref reads the attribute at every call, so every caller gets it.
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


def after_fork_in_child() -> None:
    for reset in _resets:
        try:
            reset()
        except Exception:  # pragma: no cover - a reset only assigns fresh objects
            # Logged, not raised: an exception in an at-fork hook is only printed,
            # and the other resets must still run.
            logging.getLogger("django_lifespan_ctx").exception("Resetting %r after fork failed", reset)


if hasattr(os, "register_at_fork"):  # pragma: no branch - Windows cannot fork
    os.register_at_fork(after_in_child=after_fork_in_child)
