"""The project's lifespan in every Dramatiq worker process; needs the ``dramatiq`` extra.

Add the middleware once, where the broker is built::

    broker.add_middleware(LifespanMiddleware())

The ``dramatiq`` command's main process only starts and watches the worker
processes: it imports none of your code, boots no worker, and enters nothing.
Each worker process enters the contexts once, whatever its ``--threads``:

- on ``before_worker_boot``, before the worker starts its consumer and worker
  threads. Dramatiq sends ``after_worker_boot`` only once those threads already
  take messages, so a message could run before the contexts were entered;
- and exits them on ``after_worker_shutdown``, once the worker threads have
  finished their messages. ``before_worker_shutdown`` comes while they still
  run. Dramatiq's worker processes end with ``os._exit()``, which runs no exit
  hooks: this is the only place the exits can run. A second SIGTERM (Dramatiq's
  "Killing worker process") exits at once, and the contexts with it unexited.

If the startup fails, the error raises out of the worker's boot: that worker
process exits before it takes a message, and the ``dramatiq`` command stops
the others and exits with its status.

Async actors run on the loop of Dramatiq's ``AsyncIO`` middleware, not the
lifespan's: put [`@on_lifespan_loop`][django_lifespan_ctx.worker.on_lifespan_loop] under
``@dramatiq.actor`` so the state's
async clients are used on the loop they were made on. Sync actors reach them
with [`worker_lifespan()`][django_lifespan_ctx.worker.worker_lifespan]``.run(coroutine)``.

Database connections are closed around each message, as django_dramatiq's
DbConnectionsMiddleware closes them: those broken or past ``CONN_MAX_AGE``
before and after the message, and all of a worker thread's when it stops.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from importlib import import_module
from typing import Any

import django
from django.apps import apps
from django.db import close_old_connections, connections

from django_lifespan_ctx._config.extras import missing_extra
from django_lifespan_ctx._engine.exceptions import LifespanShutdownError, LifespanStartupError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx.threaded import running_lifespan
from django_lifespan_ctx.worker import enter_worker, leave_worker, on_lifespan_loop, worker_lifespan

try:
    # Dramatiq's Middleware is typed, but subclassed here with its hooks' arguments as Any.
    _middleware: Any = import_module("dramatiq.middleware")
    Middleware: Any = _middleware.Middleware
    MiddlewareError: Any = _middleware.MiddlewareError
except ImportError as exc:  # pragma: no cover - exercised in a process without Dramatiq
    raise missing_extra("dramatiq", "dramatiq", "django_lifespan_ctx.contrib.dramatiq") from exc

__all__ = ["LifespanMiddleware", "LifespanMiddlewareError", "on_lifespan_loop", "worker_lifespan"]


class LifespanMiddlewareError(MiddlewareError):  # type: ignore[misc]
    """Stops a Dramatiq worker at boot: its contexts failed to start, or the middleware was added twice.

    Dramatiq logs and ignores other errors from a middleware's hooks; this one
    it lets through, so the worker process exits instead of running without state.
    """


class LifespanMiddleware(Middleware):  # type: ignore[misc]
    """Enters the contexts in each Dramatiq worker process at boot; exits them at shutdown.

    ``contexts`` replaces LIFESPAN_CONTEXTS for the workers, as for
    [`lifespan()`][django_lifespan_ctx.lifespan].
    """

    def __init__(self, *, contexts: Sequence[Any] | None = None) -> None:
        self.contexts = contexts
        self._entered = False

    def before_worker_boot(self, broker: Any, worker: Any) -> None:
        try:
            _refuse_a_second_middleware(broker)
            if not apps.ready:
                django.setup()  # A broker module run by `dramatiq` that did not set Django up itself.
            _warn_if_a_lifespan_runs_already()
            try:
                enter_worker("Dramatiq", contexts=self.contexts)
            except LifespanStartupError as exc:
                raise LifespanMiddlewareError(
                    f"{exc}. Stopping this worker process before it takes a message."
                ) from exc
        except LifespanMiddlewareError:
            self._unboot_the_middleware_before(broker, worker)
            raise
        self._entered = True

    def _unboot_the_middleware_before(self, broker: Any, worker: Any) -> None:
        # Their before_worker_boot ran, and the worker will not stop to send their
        # after_worker_shutdown: AsyncIO's loop thread, say, would keep the process alive.
        booted = broker.middleware[: broker.middleware.index(self)]
        for middleware in reversed(booted):
            try:
                middleware.after_worker_shutdown(broker, worker)
            except Exception as exc:
                log(logging.ERROR, "While stopping %r after a failed boot: %r", middleware, exc)

    def after_worker_shutdown(self, broker: Any, worker: Any) -> None:
        if not self._entered:
            return
        self._entered = False
        try:
            leave_worker()
        except LifespanShutdownError as exc:
            log(logging.ERROR, "%s", exc)

    def before_process_message(self, broker: Any, message: Any) -> None:
        close_old_connections()

    def after_process_message(
        self, broker: Any, message: Any, *, result: Any = None, exception: BaseException | None = None
    ) -> None:
        close_old_connections()

    def after_skip_message(self, broker: Any, message: Any) -> None:
        close_old_connections()

    def before_worker_thread_shutdown(self, broker: Any, thread: Any) -> None:
        # Connections are per thread: a thread that stops closes its own.
        connections.close_all()


def _refuse_a_second_middleware(broker: Any) -> None:
    added = [m for m in broker.middleware if isinstance(m, LifespanMiddleware)]
    if len(added) > 1:
        raise LifespanMiddlewareError(
            f"LifespanMiddleware was added to the Dramatiq broker {len(added)} times. Add it once, "
            "where the broker is built: each worker process enters the contexts once."
        )


def _warn_if_a_lifespan_runs_already() -> None:
    try:
        running_lifespan()
    except LookupError:
        return
    warnings.warn(
        f"A lifespan is already running in Dramatiq worker process {os.getpid()} before "
        "LifespanMiddleware entered one (start_in_thread() in the broker module?). The worker uses "
        "it, but cannot exit it when it stops: its worker processes end with os._exit(). "
        "Remove that call: LifespanMiddleware enters the contexts in each worker process.",
        RuntimeWarning,
        stacklevel=2,
    )
