"""The worker lifespan: the project's contexts, once per task-worker process, for every queue.

Each queue integration in ``contrib`` (Celery, Django's Tasks, Huey, RQ,
Dramatiq) only says *when* a process starts and stops running tasks; this
module does the rest, on the engine's thread host
([`start_in_thread()`][django_lifespan_ctx.start_in_thread]):

- [`enter_worker()`][django_lifespan_ctx.worker.enter_worker] where a process (or one worker thread
  of it) starts
  running tasks: the first call in the process enters the contexts, later
  ones count another user of the same lifespan;
- [`leave_worker()`][django_lifespan_ctx.worker.leave_worker] where it stops: the last user out
  exits the contexts.
  A process that leaves without saying so (a signal, ``sys.exit()``) still
  exits them at interpreter exit ([`start_in_thread()`][django_lifespan_ctx.start_in_thread]'s exit hook);
- [`@on_lifespan_loop`][django_lifespan_ctx.worker.on_lifespan_loop] on an async task function runs
  it on the lifespan's
  loop, where the state's async clients were made;
- [`task_connections()`][django_lifespan_ctx.worker.task_connections] around a task closes the
  database connections it
  left unusable, the way Django closes them around a request.

A forked child never inherits its parent's lifespan (threaded.py forgets it
after fork): it enters its own, which is what a prefork pool needs.
"""

from __future__ import annotations

import functools
import os
import threading
import warnings
from collections.abc import Callable, Coroutine, Generator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar, overload

from django.db import close_old_connections

from django_lifespan_ctx._config.statetype import check_asked_type
from django_lifespan_ctx._engine.process import process_wide
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx.threaded import LifespanThread, running_lifespan, start_in_thread

__all__ = ["enter_worker", "leave_worker", "on_lifespan_loop", "task_connections", "worker_lifespan"]

Params = ParamSpec("Params")
Result = TypeVar("Result")
Asked = TypeVar("Asked")

_lock = threading.Lock()
_users = 0
# Whether the running lifespan is ours to exit: one the project started itself
# with start_in_thread() is used, never stopped, by the worker lifespan.
_owned = False


def enter_worker(queue: str, *, contexts: Sequence[Any] | None = None) -> LifespanThread[Any]:
    """Enter the contexts in this process if no lifespan runs here yet; count one more user.

    Raises LifespanStartupError, naming the context, when the startup fails:
    the integration then stops its worker rather than run tasks without state.
    """
    global _users, _owned
    with _lock:
        try:
            running = running_lifespan()
        except LookupError:
            # None runs (or what ran was stopped behind our back): start counting afresh.
            _users, _owned = 0, False
            running = start_in_thread(contexts=contexts)
            _owned = True
        _users += 1
        return running


def leave_worker() -> None:
    """One user less; the last one out exits the contexts (LifespanShutdownError if an exit failed).

    The exits run under the lock: a user entering meanwhile waits for them,
    then starts a fresh lifespan, and is never handed one that is stopping.
    """
    global _users, _owned
    with _lock:
        if _users == 0:
            return  # Never entered here (a supervising parent), or left already.
        _users -= 1
        if _users or not _owned:
            return
        _owned = False
        try:
            running = running_lifespan()
        except LookupError:
            return  # Stopped by someone else already.
        running.stop()


@overload
def worker_lifespan() -> LifespanThread[State]: ...
@overload
def worker_lifespan(state_type: Callable[..., Asked], /) -> LifespanThread[Asked]: ...


def worker_lifespan(state_type: Callable[..., Any] | None = None, /) -> LifespanThread[Any]:
    """This worker process's lifespan: ``.state``, and ``.run(coroutine)`` for its loop.

    ``worker_lifespan(ProjectState)`` types ``.state`` as ``ProjectState``.
    """
    if state_type is not None:
        check_asked_type(state_type, "worker_lifespan({})")
    return running_lifespan()


def on_lifespan_loop(
    function: Callable[Params, Coroutine[Any, Any, Result]],
) -> Callable[Params, Coroutine[Any, Any, Result]]:
    """Run an async task function on the worker lifespan's loop, whatever loop awaits it.

    Queues run an async task on a loop of their own (Django's Tasks makes a new
    one for every task); an ``httpx.AsyncClient`` from the state works only on
    the loop it was made on. Put this under the queue's task decorator.
    """

    @functools.wraps(function)
    async def on_the_lifespans_loop(*args: Params.args, **kwargs: Params.kwargs) -> Result:
        return await running_lifespan().arun(function(*args, **kwargs))

    return on_the_lifespans_loop


@contextmanager
def task_connections() -> Generator[None]:
    """Around one task: close database connections that are broken or past CONN_MAX_AGE.

    What Django does around each request (request_started, request_finished),
    for workers whose queue does not do it itself.
    """
    close_old_connections()
    try:
        yield
    finally:
        close_old_connections()


def warn_if_lifespan_runs_before_fork(integration: str) -> None:
    """Warn when a process that is about to fork workers already holds a lifespan."""
    try:
        running_lifespan()
    except LookupError:
        return
    warnings.warn(
        f"{integration}: the lifespan is already running in process {os.getpid()}, which is "
        "about to start worker processes. They do not share it: each enters its own, and this "
        "process holds clients and pools it never uses. Do not call start_in_thread() in the "
        "process that starts the workers; the integration enters the contexts in each worker.",
        RuntimeWarning,
        stacklevel=3,
    )


@process_wide
def _reset() -> None:
    # No lifespan running (threaded.py forgets it), so no users either: in a forked child too.
    global _users, _owned, _lock
    _users, _owned, _lock = 0, False, threading.Lock()
