"""The project's lifespan in every Django Tasks worker process.

Django's Tasks framework (``django.tasks`` from Django 6.0, the ``django-tasks``
backport before it) has task signals but no worker start or stop hook. So
[`connect()`][django_lifespan_ctx.contrib.django_tasks.connect] enters the contexts in a process
when it is about to run its
first task (``task_started``), before the task's code runs, and they are
exited when that process ends: a normal stop, SIGTERM or SIGINT (the worker's
graceful shutdown, then interpreter exit), or recycling (``--max-tasks``).

A process that already has a lifespan (a server's, [`lifespan()`][django_lifespan_ctx.lifespan]'s) runs
tasks it runs itself (``ImmediateBackend``) with that one: nothing more is entered.

If the startup fails, no task runs without state. Under django-tasks-db's
``db_worker`` the task goes back to the queue, untouched, and the worker exits
with status 1 and the context's error, so a process manager restarts it. The
Tasks framework gives no hook before the worker claims a task, and ``task_started``
fires inside the worker's catch-all, so the task is first recorded as failed; the
``task_finished`` receiver puts it back and raises SystemExit, the one exception
that ``db_worker`` lets out after a task. Under other backends the task fails with
the startup's error, and the worker is asked to stop the way SIGTERM asks it.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from django_lifespan_ctx._config.extras import missing_extra
from django_lifespan_ctx._engine.exceptions import LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._serving.state.lookups import current_state
from django_lifespan_ctx.worker import enter_worker, on_lifespan_loop, worker_lifespan

__all__ = ["connect", "disconnect", "on_lifespan_loop", "worker_lifespan"]


def _task_signal_modules() -> list[Any]:
    found: list[Any] = []
    for name in ("django.tasks.signals", "django_tasks.signals"):
        try:
            found.append(import_module(name))
        except ImportError:
            continue
    return found


# django.tasks on Django 6.0+, the django-tasks backport before it; both where both are installed.
_signal_modules = _task_signal_modules()
if not _signal_modules:  # pragma: no cover - exercised in a process without either
    raise missing_extra("django-tasks", "django-tasks", "django_lifespan_ctx.contrib.django_tasks")

UID = "django_lifespan_ctx.contrib.django_tasks"
# Exit status of a db_worker whose lifespan failed to start: not 0, which process managers read as success.
STARTUP_FAILED = 1
_contexts: Sequence[Any] | None = None
_connected = False
# The task this process refused for want of a lifespan: task_finished puts it back in the queue.
_refused: str | None = None


def connect(*, contexts: Sequence[Any] | None = None) -> None:
    """Enter the lifespan in each process that runs tasks, before its first task.

    Call it once, from your project's ``AppConfig.ready()``. ``contexts``
    replaces LIFESPAN_CONTEXTS for the workers, as for [`lifespan()`][django_lifespan_ctx.lifespan].
    """
    global _contexts, _connected
    if _connected:
        raise RuntimeError(
            "django_lifespan_ctx.contrib.django_tasks.connect() was called twice. Call it once, "
            "from one AppConfig.ready(); to change the contexts, disconnect() first."
        )
    _contexts, _connected = contexts, True
    for module in _signal_modules:
        module.task_started.connect(_before_task, weak=False, dispatch_uid=UID)
        module.task_finished.connect(_after_task, weak=False, dispatch_uid=UID)


def disconnect() -> None:
    """Undo [`connect()`][django_lifespan_ctx.contrib.django_tasks.connect]; a lifespan already
    running in this process keeps running."""
    global _connected
    _connected = False
    for module in _signal_modules:
        module.task_started.disconnect(dispatch_uid=UID)
        module.task_finished.disconnect(dispatch_uid=UID)


def _before_task(*, task_result: Any, **kwargs: Any) -> None:
    global _refused
    if _has_a_lifespan():
        return  # Entered before an earlier task, or a server's or lifespan()'s.
    try:
        # Exited by start_in_thread()'s exit hook when the worker process ends.
        enter_worker("Django Tasks", contexts=_contexts)
    except LifespanStartupError as exc:
        if _database_worker(task_result):
            log(
                logging.CRITICAL,
                "%s. Stopping this db_worker with status %d before task %s runs: its tasks would "
                "find no lifespan state. The task goes back to the queue.",
                exc,
                STARTUP_FAILED,
                task_result.id,
            )
            _refused = task_result.id
            raise  # db_worker records the task as failed, then sends task_finished.
        log(logging.CRITICAL, "%s. Stopping this worker: its tasks would find no lifespan state.", exc)
        if callable(signal.getsignal(signal.SIGTERM)):
            # A worker that handles SIGTERM stops gracefully: it records this
            # task as failed with the error raised below, then takes no other.
            signal.raise_signal(signal.SIGTERM)
        raise


def _after_task(*, task_result: Any, **kwargs: Any) -> None:
    if _refused is None or task_result.id != _refused:
        return
    # django-tasks-db ships no type information: its parts are Any here.
    models: Any = import_module("django_tasks_db.models")
    # As it was before db_worker claimed it: ready, never started, no error. The
    # worker ids keep this worker's attempt.
    models.DBTaskResult.objects.filter(id=task_result.id).update(
        status=models.TaskResultStatus.READY,
        started_at=None,
        finished_at=None,
        exception_class_path="",
        traceback="",
        return_value=None,
    )
    # Out of db_worker's loop and its command: the process exits with this status,
    # after its normal teardown (exit hooks, log flushing), and takes no other task.
    raise SystemExit(STARTUP_FAILED)


def _database_worker(task_result: Any) -> bool:
    # Only django-tasks-db's db_worker runs DatabaseBackend tasks: a process that
    # enqueues with it never runs them, so SystemExit cannot reach a web process.
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:
        return False
    return isinstance(task_result.task.get_backend(), DatabaseBackend)


def _has_a_lifespan() -> bool:
    try:
        current_state()
    except LookupError:
        return False
    return True
