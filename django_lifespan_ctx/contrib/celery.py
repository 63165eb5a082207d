"""The project's lifespan in every Celery worker process; needs the ``celery`` extra.

Call ``connect()`` once where the Celery app is defined. Each process that
runs tasks then enters the contexts once, on a loop in a thread of its own
(start_in_thread), and exits them when it stops:

- prefork pool: in each child, on ``worker_process_init`` and
  ``worker_process_shutdown`` (the parent runs no tasks and enters nothing;
  if it already runs a lifespan, a RuntimeWarning says so: the children
  enter their own, and the parent's clients go unused);
- solo pool: in the worker process, on ``worker_process_init`` and ``worker_shutdown``;
- threads pool: in the worker process, on ``celeryd_after_setup`` and ``worker_shutdown``.

Tasks reach loop-bound objects through ``worker_lifespan().run(coroutine)``;
``worker_lifespan(ProjectState).state`` is the state typed as ``ProjectState``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from . import missing_extra

try:
    # Celery ships no type information: its parts are Any here.
    signals: Any = import_module("celery.signals")
    concurrency: Any = import_module("celery.concurrency")
    ThreadsPool: Any = import_module("celery.concurrency.thread").TaskPool
    PreforkPool: Any = import_module("celery.concurrency.prefork").TaskPool
except ImportError as exc:  # pragma: no cover - exercised in a process without Celery
    raise missing_extra("celery", "celery", "django_lifespan_ctx.contrib.celery") from exc

from .._engine.observers import log
from ..exceptions import LifespanShutdownError, LifespanStartupError
from ..worker import enter_worker, leave_worker, warn_if_lifespan_runs_before_fork, worker_lifespan

__all__ = ["connect", "disconnect", "worker_lifespan"]

UID = "django_lifespan_ctx.contrib.celery"
_contexts: Sequence[Any] | None = None


def connect(*, contexts: Sequence[Any] | None = None) -> None:
    """Run the lifespan in each worker process. Calling it again changes nothing but ``contexts``."""
    global _contexts
    _contexts = contexts
    signals.worker_process_init.connect(_start, weak=False, dispatch_uid=UID)
    signals.celeryd_after_setup.connect(_in_main_process, weak=False, dispatch_uid=UID)
    signals.worker_process_shutdown.connect(_stop, weak=False, dispatch_uid=UID)
    signals.worker_shutdown.connect(_stop, weak=False, dispatch_uid=UID)


def disconnect() -> None:
    """Undo connect(): worker processes started afterwards enter no lifespan."""
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
        # Celery logs a receiver's error and carries on; say what tasks will lack.
        log(logging.ERROR, "%s. Tasks in this worker process will find no lifespan state.", exc)
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
