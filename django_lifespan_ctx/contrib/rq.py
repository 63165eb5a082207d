"""The project's lifespan in RQ workers; needs the ``rq`` extra.

Give rq (or django-rq's ``rqworker``) one of these worker classes::

    rq worker --worker-class django_lifespan_ctx.contrib.rq.LifespanWorker
    rq worker --worker-class django_lifespan_ctx.contrib.rq.SimpleLifespanWorker

The contexts are entered in the process that runs the jobs, never in one that
only supervises:

- [`LifespanWorker`][django_lifespan_ctx.contrib.rq.LifespanWorker] is rq's ``Worker``: the worker
  process dequeues a job,
  forks a work horse to run it, and watches the horse until it exits. Threads
  do not survive ``fork``, so a lifespan entered in the worker process, whose
  loop runs in a thread, could not serve the horse. The horse is the process
  that runs the job: it enters the contexts after the fork, before the job,
  and exits them after the job, before it exits. That is once per job, the
  price of rq's process per job; the worker process enters nothing.
- [`SimpleLifespanWorker`][django_lifespan_ctx.contrib.rq.SimpleLifespanWorker] is rq's
  ``SimpleWorker``: it runs the jobs itself, so
  it enters the contexts once when it starts working, before its first job,
  and exits them when it stops: ``--max-jobs``, ``--burst``, ``--max-idle-time``,
  or SIGTERM / SIGINT (rq's warm shutdown).

If the startup fails, no job runs with missing state, and ``rq worker`` (or
``rqworker``) exits with status 1, the error raised out of ``work()``. The simple
worker stops before it takes a job. The forking worker's horse fails its job with
the startup's error (that is the only way rq lets a horse refuse a job); the
worker process then puts the job back at the front of its queue and stops.

Async jobs run under ``asyncio.run()``, on a new loop each time: put
[`@on_lifespan_loop`][django_lifespan_ctx.worker.on_lifespan_loop] on them to run them on the
lifespan's loop, where the
state's async clients were made. Sync jobs reach those clients with
[`worker_lifespan()`][django_lifespan_ctx.worker.worker_lifespan]``.run(coroutine)``.

Database connections: like django-rq, the worker process closes every
connection before it forks; each job runs inside
[`task_connections()`][django_lifespan_ctx.worker.task_connections], so
connections it leaves broken or past ``CONN_MAX_AGE`` are closed, as Django
closes them around a request. With plain ``rq worker`` (not ``rqworker``) the
worker sets Django up itself, from ``DJANGO_SETTINGS_MODULE``.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Sequence
from typing import Any

import django
from django.apps import apps
from django.db import connections

from django_lifespan_ctx._config.extras import missing_extra
from django_lifespan_ctx._engine.exceptions import LifespanShutdownError, LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx.worker import (
    enter_worker,
    leave_worker,
    on_lifespan_loop,
    task_connections,
    warn_if_lifespan_runs_before_fork,
    worker_lifespan,
)

try:
    from rq.exceptions import StopRequested
    from rq.executions import Execution
    from rq.job import Job
    from rq.queue import Queue
    from rq.worker import BaseWorker, SimpleWorker, Worker
except ImportError as exc:  # pragma: no cover - exercised in a process without rq
    raise missing_extra("rq", "rq", "django_lifespan_ctx.contrib.rq") from exc

__all__ = ["LifespanWorker", "SimpleLifespanWorker", "on_lifespan_loop", "worker_lifespan"]

# A horse whose lifespan failed to start exits with this status (sysexits' EX_CONFIG),
# which tells its worker process to stop.
HORSE_STARTUP_FAILED = 78


class _StopsPromptly(BaseWorker):
    """rq's worker, but its pubsub thread does not hold up the worker's stop."""

    def unsubscribe(self) -> None:
        thread = self.pubsub_thread
        if thread is None or "timeout" not in inspect.signature(thread.stop).parameters:
            super().unsubscribe()  # type: ignore[no-untyped-call]
            return
        # redis-py 8's stop() waits for the thread's get_message(), which after the
        # unsubscribe waits out rq's 60 s sleep_time: a stopped worker would take a
        # minute to exit, past Kubernetes' 30 s grace, and its contexts' exits with it.
        # The thread is a daemon; what follows is rq's own unsubscribe, whose join is bounded.
        self.log.info("Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name)
        pubsub: Any = self.pubsub
        pubsub.unsubscribe()
        thread.stop(timeout=1)
        pubsub.close()


class LifespanWorker(_StopsPromptly, Worker):
    """rq's forking ``Worker``; each work horse enters the contexts for its job and exits them after.

    ``lifespan_contexts`` (on a subclass) replaces LIFESPAN_CONTEXTS for the
    workers, as ``contexts=`` does for [`lifespan()`][django_lifespan_ctx.lifespan].
    """

    lifespan_contexts: Sequence[Any] | None = None
    _horse_startup_failed = False
    _refusal = ""

    def work(self, *args: Any, **kwargs: Any) -> bool:
        _set_up_django()
        warn_if_lifespan_runs_before_fork("django_lifespan_ctx.contrib.rq.LifespanWorker")
        # What django-rq's rqworker does: a horse must not share its parent's database sockets.
        connections.close_all()
        worked: bool = super().work(*args, **kwargs)
        if self._horse_startup_failed:
            raise RuntimeError(
                f"RQ worker {self.name} stopped: the lifespan failed to start in its work horse. Its job "
                f"did not run without state and is back in the queue. {self._refusal}"
            )
        return worked

    # In the work horse, after the fork.

    def prepare_job_execution(self, job: Job, remove_from_intermediate_queue: bool = False) -> None:
        super().prepare_job_execution(job, remove_from_intermediate_queue)
        if not self.is_horse:
            return
        try:
            enter_worker("RQ", contexts=self.lifespan_contexts)
        except LifespanStartupError as exc:
            log(logging.CRITICAL, "%s. Failing job %s and stopping this worker.", exc, job.id)
            self._horse_startup_failed = True
            raise  # Into perform_job(), which fails the job the way rq fails any job.

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        if not self.is_horse:  # pragma: no cover - rq's Worker performs jobs only in horses
            performed: bool = super().perform_job(job, queue, execution)
            return performed
        try:
            with task_connections():
                performed = super().perform_job(job, queue, execution)
        finally:
            _leave()
        if self._horse_startup_failed:
            os._exit(HORSE_STARTUP_FAILED)  # As rq's horse exits: no interpreter teardown after fork.
        return performed

    # In the worker process, which only watches the horse.

    def wait_for_horse(self) -> tuple[int | None, int | None, Any]:
        pid, status, rusage = super().wait_for_horse()
        if status is not None and os.WIFEXITED(status):
            self._horse_startup_failed = os.WEXITSTATUS(status) == HORSE_STARTUP_FAILED
        return pid, status, rusage

    def execute_job(self, job: Job, queue: Queue) -> None:
        super().execute_job(job, queue)
        if self._horse_startup_failed:
            self._refusal = _last_line(job.latest_result())
            # The job never ran: back to the front of its queue, for a worker that can run it.
            # (With rq's retries it is queued or scheduled again already.)
            if job.id in queue.failed_job_registry:
                queue.failed_job_registry.requeue(job, at_front=True)
            self.log.critical(
                "Worker %s: the lifespan failed to start in the work horse: stopping.", self.name
            )
            raise StopRequested()  # Ends the work loop; rq then deregisters the worker.


class SimpleLifespanWorker(_StopsPromptly, SimpleWorker):
    """rq's ``SimpleWorker``: enters the contexts once when it starts working, exits them when it stops.

    ``lifespan_contexts`` (on a subclass) replaces LIFESPAN_CONTEXTS, as for LifespanWorker.
    """

    lifespan_contexts: Sequence[Any] | None = None

    def work(self, *args: Any, **kwargs: Any) -> bool:
        _set_up_django()
        # Before rq registers the worker or takes a job: a failure raises out of work().
        enter_worker("RQ", contexts=self.lifespan_contexts)
        try:
            worked: bool = super().work(*args, **kwargs)
        finally:
            _leave()
        return worked

    def perform_job(self, job: Job, queue: Queue, execution: Execution) -> bool:
        with task_connections():
            performed: bool = super().perform_job(job, queue, execution)
        return performed


def _set_up_django() -> None:
    # `rq worker` is not a manage.py command: nothing has read the settings yet.
    if not apps.ready:
        django.setup()


def _leave() -> None:
    try:
        leave_worker()
    except LifespanShutdownError as exc:
        log(logging.ERROR, "%s", exc)


def _last_line(result: Any) -> str:
    # The failed job's result holds the horse's traceback: its last line is the startup's error.
    text = getattr(result, "exc_string", None) or ""
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""
