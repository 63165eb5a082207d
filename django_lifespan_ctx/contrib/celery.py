"""The project's lifespan in every Celery worker process; needs the ``celery`` extra.

Call [`connect()`][django_lifespan_ctx.contrib.celery.connect] once where the Celery app is
defined. Each process that
runs tasks then enters the contexts once, on a loop in a thread of its own
([`start_in_thread()`][django_lifespan_ctx.start_in_thread]), and exits them when it stops:

- prefork pool: in each child, on ``worker_process_init`` and
  ``worker_process_shutdown`` (the parent runs no tasks and enters nothing;
  if it already runs a lifespan, a RuntimeWarning says so: the children
  enter their own, and the parent's clients go unused);
- solo pool: in the worker process, on ``worker_process_init`` and ``worker_shutdown``;
- threads pool: in the worker process, on ``celeryd_after_setup`` and ``worker_shutdown``.

Tasks reach loop-bound objects through
[`worker_lifespan()`][django_lifespan_ctx.contrib.celery.worker_lifespan]``.run(coroutine)``;
``worker_lifespan(ProjectState).state`` is the state typed as ``ProjectState``.

If the startup fails, no task runs without the state and ``celery worker``
exits with status 1, its tasks still queued. A prefork child that cannot
start it asks the main process for a warm shutdown (SIGTERM) and exits
before it tells the pool it is up, so the pool never hands it a task (the
pool respawns it, and the new child tries again, until the stop closes the
pool; tasks prefetched by the main process go back to the broker). The
solo and threads pools fail in the main process, before the consumer
starts, and ask the worker to stop (Celery's own stop flag). One byte of
memory, shared with the children forked later, tells the main process at
``worker_shutdown`` that the stop was a failure: it sets the status.
"""

from __future__ import annotations

import logging
import mmap
import os
from collections.abc import Sequence
from importlib import import_module
from signal import SIGTERM
from typing import Any

from django_lifespan_ctx._config.extras import missing_extra

try:
    # Celery ships no type information: its parts are Any here.
    signals: Any = import_module("celery.signals")
    concurrency: Any = import_module("celery.concurrency")
    ThreadsPool: Any = import_module("celery.concurrency.thread").TaskPool
    PreforkPool: Any = import_module("celery.concurrency.prefork").TaskPool
    worker_state: Any = import_module("celery.worker.state")
    current_process: Any = import_module("billiard.process").current_process
except ImportError as exc:  # pragma: no cover - exercised in a process without Celery
    raise missing_extra("celery", "celery", "django_lifespan_ctx.contrib.celery") from exc

from django_lifespan_ctx._engine.exceptions import LifespanShutdownError, LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx.worker import (
    enter_worker,
    leave_worker,
    warn_if_lifespan_runs_before_fork,
    worker_lifespan,
)

__all__ = ["connect", "disconnect", "worker_lifespan"]

UID = "django_lifespan_ctx.contrib.celery"
# A worker whose lifespan could not start exits with this: process managers read 0 as success.
STARTUP_FAILED = 1
_contexts: Sequence[Any] | None = None
# Set by the process whose startup failed, read by the main process at worker_shutdown:
# anonymous and MAP_SHARED, made before the pool forks, so its children write to this very byte.
_failed: mmap.mmap | None = None


def connect(*, contexts: Sequence[Any] | None = None) -> None:
    """Run the lifespan in each worker process. Calling it again changes nothing but ``contexts``."""
    global _contexts, _failed
    _contexts = contexts
    if _failed is None:
        _failed = mmap.mmap(-1, 1)
    signals.worker_process_init.connect(_start, weak=False, dispatch_uid=UID)
    signals.celeryd_after_setup.connect(_in_main_process, weak=False, dispatch_uid=UID)
    signals.worker_process_shutdown.connect(_stop, weak=False, dispatch_uid=UID)
    signals.worker_shutdown.connect(_stop_worker, weak=False, dispatch_uid=UID)


def disconnect() -> None:
    """Undo [`connect()`][django_lifespan_ctx.contrib.celery.connect]: worker processes started
    afterwards enter no lifespan."""
    for signal in (
        signals.worker_process_init,
        signals.celeryd_after_setup,
        signals.worker_process_shutdown,
        signals.worker_shutdown,
    ):
        signal.disconnect(dispatch_uid=UID)


def _start(**kwargs: Any) -> None:
    try:
        enter_worker("Celery", contexts=_contexts)
    except LifespanStartupError as exc:
        if _failed is not None:
            _failed[0] = 1
        log(logging.CRITICAL, "%s. Stopping the Celery worker: its tasks would find no lifespan state.", exc)
        if current_process().name != "MainProcess":
            # A prefork child, in the pool's initializer: Celery would log an
            # Exception and carry on into the pool's loop, whose first act is to
            # tell the parent it is up and may be sent tasks. SystemExit is not
            # caught there, so the child exits before that, and takes no task.
            os.kill(os.getppid(), SIGTERM)  # The main process's warm shutdown.
            raise SystemExit(STARTUP_FAILED) from exc
        # The solo or threads pool, in the main process before its signal handlers
        # are set and before the consumer starts: the consumer reads this flag
        # first (as after a SIGTERM) and stops the worker before it takes a message.
        worker_state.should_stop = STARTUP_FAILED
        raise


def _in_main_process(instance: Any = None, **kwargs: Any) -> None:
    # Sent in every `celery worker` main process once its pool is chosen: only
    # the threads pool runs tasks there without sending worker_process_init,
    # and only the prefork pool forks children from it.
    pool = concurrency.get_implementation(getattr(instance, "pool_cls", None))
    if pool is ThreadsPool:
        _start()
    elif pool is PreforkPool:
        warn_if_lifespan_runs_before_fork("django_lifespan_ctx.contrib.celery")


def _stop(**kwargs: Any) -> None:
    # The prefork parent, or a process whose startup failed, entered nothing: nothing to leave.
    try:
        leave_worker()
    except LifespanShutdownError as exc:
        log(logging.ERROR, "%s", exc)


def _stop_worker(sender: Any = None, **kwargs: Any) -> None:
    _stop()
    # WorkController.stop() sends worker_shutdown after it has set the status
    # that `celery worker` exits with: a warm shutdown's is 0.
    if _failed is not None and _failed[0] and sender is not None:
        sender.exitcode = STARTUP_FAILED
        log(
            logging.CRITICAL,
            "The Celery worker stops with status %d: the lifespan failed to start in it "
            "(the error is above). Its tasks stay queued.",
            STARTUP_FAILED,
        )
