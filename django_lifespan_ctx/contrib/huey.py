"""The project's lifespan in every Huey worker; needs the ``huey`` extra.

Call [`connect(huey)`][django_lifespan_ctx.contrib.huey.connect] once, where the Huey instance is made (with
``huey.contrib.djhuey``: in an ``AppConfig.ready()``). It registers Huey's own
hooks, which the consumer runs in its workers, never in the consumer process
that only supervises them:

- ``-k process``: each worker process, forked by the consumer, enters the
  contexts in its startup hook, before its first task, and exits them in its
  shutdown hook: on a graceful stop (SIGINT), on SIGTERM, and when it is
  recycled (``--max-tasks``). The scheduler process runs no hooks.
- ``-k thread``: the worker threads share the consumer process's one
  lifespan: the first thread to start enters it, the last to stop exits it.
  On SIGTERM huey does not wait for its threads; the exits then run at
  interpreter exit.

Around each task, database connections that are broken or past CONN_MAX_AGE
are closed, as ``huey.contrib.djhuey``'s ``db_task`` does. Huey runs only sync
task functions: they reach the state's async clients on the lifespan's loop
through [`worker_lifespan()`][django_lifespan_ctx.worker.worker_lifespan]``.run(coroutine)``, or
[`@run_on_lifespan_loop`][django_lifespan_ctx.contrib.huey.run_on_lifespan_loop].

If the startup fails, the worker takes no task: it logs the context's error
and asks the consumer to stop, as Ctrl+C does. The tasks stay queued, and the
consumer exits with status 1 once its workers have stopped (``huey_consumer``
and ``run_huey`` both call the consumer's ``run()``, which returns normally
after any stop: [`connect()`][django_lifespan_ctx.contrib.huey.connect] wraps it, in the one
consumer Huey lets us see).
"""

from __future__ import annotations

import functools
import logging
import mmap
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections.abc import Callable, Coroutine, Sequence
from importlib import import_module
from typing import Any, ParamSpec, TypeVar

from django.db import close_old_connections

from django_lifespan_ctx._config.extras import missing_extra

try:
    import_module("huey")
except ImportError as exc:  # pragma: no cover - exercised in a process without Huey
    raise missing_extra("huey", "huey", "django_lifespan_ctx.contrib.huey") from exc

from django_lifespan_ctx._engine.exceptions import LifespanShutdownError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.process import process_wide
from django_lifespan_ctx.worker import (
    enter_worker,
    leave_worker,
    warn_if_lifespan_runs_before_fork,
    worker_lifespan,
)

__all__ = ["connect", "disconnect", "run_on_lifespan_loop", "worker_lifespan"]

HOOK = "django_lifespan_ctx"
# A consumer whose workers could not start the lifespan exits with this: process managers read 0 as success.
STARTUP_FAILED = 1
Params = ParamSpec("Params")
Result = TypeVar("Result")

# Huey ships no type information: its instances are Any here.
_connections: weakref.WeakKeyDictionary[Any, _Connection] = weakref.WeakKeyDictionary()
# The error that stopped this process's first worker from starting the lifespan:
# its other worker threads take no task either, and do not try again.
_startup_failure: BaseException | None = None
_startup_lock = threading.Lock()


@process_wide
def _forget_the_parents_workers() -> None:
    # A forked child (a `-k process` worker, or a process a task forks) tries
    # the lifespan itself: not the parent's failure, nor a lock or a hold that a
    # thread of the parent had, since that thread does not exist here. The
    # shared startup_failed byte is kept: it is how the child reports back.
    global _startup_failure, _startup_lock
    _startup_failure = None
    _startup_lock = threading.Lock()
    for connection in list(_connections.values()):
        connection.holds = threading.local()


class _NoLifespan(BaseException):
    # Not an Exception: huey logs a startup hook's Exception and runs tasks anyway.
    pass


class _Connection:
    """One Huey instance's hooks, and which of its worker threads hold the lifespan."""

    def __init__(self, huey: Any, contexts: Sequence[Any] | None) -> None:
        self.huey = huey
        self.contexts = contexts
        self.holds = threading.local()
        # Set by a worker whose startup failed, read by the consumer once it stops: one
        # byte of memory shared with the worker processes it forks (and its own threads).
        self.startup_failed: mmap.mmap | None = None

    def start_worker(self) -> None:
        global _startup_failure
        with _startup_lock:
            if _startup_failure is not None:
                raise _NoLifespan("another worker of this process could not start it") from _startup_failure
            try:
                enter_worker("Huey", contexts=self.contexts)
            except Exception as exc:
                _startup_failure = exc
                if self.startup_failed is not None:
                    self.startup_failed[0] = 1
                log(
                    logging.CRITICAL,
                    "%s. Stopping the Huey consumer: its tasks would find no lifespan state.",
                    exc,
                )
                _ask_the_consumer_to_stop()
                raise _NoLifespan("this worker takes no task") from exc
        self.holds.lifespan = True

    def stop_worker(self) -> None:
        if not getattr(self.holds, "lifespan", False):
            return  # This worker's startup failed: it holds nothing.
        self.holds.lifespan = False
        try:
            leave_worker()
        except LifespanShutdownError as exc:
            log(logging.ERROR, "%s", exc)

    def before_task(self, task: Any) -> None:
        # In immediate mode the task runs inside the caller's request or transaction.
        if not self.huey.immediate:
            close_old_connections()

    def after_task(self, task: Any, value: Any, error: BaseException | None) -> None:
        if not self.huey.immediate:
            close_old_connections()


def connect(huey: Any, *, contexts: Sequence[Any] | None = None) -> None:
    """Run the lifespan in each worker of this Huey instance's consumer.

    Call it once per Huey instance, where the instance is made or from an
    ``AppConfig.ready()``. ``contexts`` replaces LIFESPAN_CONTEXTS for the
    workers, as for [`lifespan()`][django_lifespan_ctx.lifespan].
    """
    if huey in _connections:
        raise RuntimeError(
            f"django_lifespan_ctx.contrib.huey.connect() was called twice for the Huey instance "
            f"{huey.name!r}: its workers would enter the lifespan twice. Call it once, where the "
            "instance is made or from one AppConfig.ready(); to change the contexts, disconnect() first."
        )
    connection = _connections[huey] = _Connection(huey, contexts)
    huey.on_startup(HOOK)(connection.start_worker)
    huey.on_shutdown(HOOK)(connection.stop_worker)
    huey.pre_execute(HOOK)(connection.before_task)
    huey.post_execute(HOOK)(connection.after_task)
    make_consumer = huey.create_consumer

    # The one moment Huey gives us in the consumer process, before it forks its workers.
    @functools.wraps(make_consumer)
    def create_consumer(**options: Any) -> Any:
        if options.get("worker_type") == "process":
            warn_if_lifespan_runs_before_fork("django_lifespan_ctx.contrib.huey")
        # Anonymous and MAP_SHARED: the worker processes forked later write to this very byte.
        failed = connection.startup_failed = mmap.mmap(-1, 1)
        consumer = make_consumer(**options)
        run = consumer.run

        @functools.wraps(run)
        def run_then_exit_if_the_lifespan_failed() -> None:
            run()
            if failed[0]:
                log(
                    logging.CRITICAL,
                    "The Huey consumer stops with status %d: the lifespan failed to start in its "
                    "worker (the error is above). Its tasks stay queued.",
                    STARTUP_FAILED,
                )
                raise SystemExit(STARTUP_FAILED)

        consumer.run = run_then_exit_if_the_lifespan_failed
        return consumer

    huey.create_consumer = create_consumer


def disconnect(huey: Any) -> None:
    """Undo connect(huey): workers started afterwards enter no lifespan."""
    if _connections.pop(huey, None) is None:
        return
    huey.unregister_on_startup(HOOK)
    huey.unregister_on_shutdown(HOOK)
    huey.unregister_pre_execute(HOOK)
    huey.unregister_post_execute(HOOK)
    del huey.create_consumer  # The class's own method again.


def run_on_lifespan_loop(
    function: Callable[Params, Coroutine[Any, Any, Result]],
) -> Callable[Params, Result]:
    """Make an async function a sync one that runs on the worker lifespan's loop.

    Put it under ``@huey.task()``: Huey runs only sync task functions, and
    ``asyncio.run()`` would give each task a new loop, where the state's async
    clients do not work. A huey timeout or interrupt cancels the coroutine.
    """

    @functools.wraps(function)
    def on_the_lifespans_loop(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        try:
            running = worker_lifespan()
        except LookupError:
            raise RuntimeError(
                f"{function.__qualname__} runs on the Huey worker lifespan's loop, and no worker "
                "lifespan runs in this process. In immediate mode (djhuey's default when DEBUG is "
                "on) tasks run in the process that enqueues them: there, await the function, or "
                "call it with asgiref's async_to_sync from a sync view."
            ) from None
        return running.run(function(*args, **kwargs))

    return on_the_lifespans_loop


def _ask_the_consumer_to_stop() -> None:
    # SIGINT, as Ctrl+C: a graceful stop with huey's defaults, a prompt one
    # with `-g TERM`; either way no worker keeps running tasks without state.
    if threading.current_thread() is threading.main_thread():
        parent = multiprocessing.parent_process()
        if parent is not None and parent.pid is not None:  # A process worker: its parent is the consumer.
            os.kill(parent.pid, signal.SIGINT)
            return
    # A thread worker: the consumer is this process. It sets its handlers just
    # after starting its workers; until then SIGINT would cut its startup short.
    deadline = time.monotonic() + 5
    while signal.getsignal(signal.SIGINT) is signal.default_int_handler and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGINT)
