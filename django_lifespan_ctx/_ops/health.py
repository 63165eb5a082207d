"""Health checks declared in LIFESPAN_HEALTH_CHECKS, run concurrently against a State."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, cast

from asgiref.sync import iscoroutinefunction
from django.utils.module_loading import import_string

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._config.keys import key_checks
from django_lifespan_ctx._engine.calls import ThreadStartError, call_in_task, call_in_thread
from django_lifespan_ctx._engine.process import process_wide
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._ops.readiness import now

SETTING = "LIFESPAN_HEALTH_CHECKS"


class HealthCheckFailed(Exception):
    """A check returned False instead of raising."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    passed: bool
    seconds: float
    checked_at: str
    error: BaseException | None = None


def check_problems(declared: Any) -> list[tuple[str, str]]:
    """(message, hint) for each problem in LIFESPAN_HEALTH_CHECKS; empty when fine."""
    hint = f'Write {SETTING} = {{"database": "myapp.health.database_answers"}}.'
    if not isinstance(declared, Mapping):
        return [(f"{SETTING} must be a dict of names to dotted paths, not {type(declared).__name__}.", hint)]
    problems: list[tuple[str, str]] = []
    entries = cast("Mapping[object, object]", declared)
    for name, path in entries.items():
        if not isinstance(name, str) or not isinstance(path, str):
            problems.append((f"{SETTING} entry {name!r}: {path!r} is not a name and a dotted path.", hint))
            continue
        try:
            check = import_string(path)
        except ImportError as exc:
            problems.append((f"{SETTING}[{name!r}] {path!r} could not be imported: {exc}", hint))
            continue
        if not callable(check):
            problems.append(
                (
                    f"{SETTING}[{name!r}] {path!r} is a {type(check).__name__}, not callable.",
                    "A health check is a function (sync or async) that takes the lifespan State.",
                )
            )
    return problems


def declared_checks() -> dict[str, Callable[[State], Any]]:
    return {name: import_string(path) for name, path in conf.LIFESPAN_HEALTH_CHECKS.items()}


class CheckCall:
    """One call of one check: in a task, or for a sync check in a daemon thread of its own.

    Never in the loop's default executor, which Django's request logging
    shares: a hung check there would stall the site's 4xx/5xx responses.
    """

    def __init__(self, name: str, check: Callable[[State], Any], state: State) -> None:
        self.name = name
        self.started = time.monotonic()
        self.outcome: Future[Any] = Future()
        self.task: asyncio.Task[None] | None = None
        # An async function, or an object whose __call__ is one.
        what = f"lifespan health check {name}"
        if iscoroutinefunction(check) or iscoroutinefunction(type(check).__call__):
            loop = asyncio.get_running_loop()
            self.task = call_in_task(loop, check, state, name=what, done=self._settle)
        else:
            # The outcome is a thread-safe Future: set from the thread, no loop to post to.
            call_in_thread(check, state, name=what, done=self._settle)

    def _settle(self, result: Any, error: BaseException | None) -> None:
        if error is None:
            self.outcome.set_result(result)
        else:
            self.outcome.set_exception(error)


# The call of each check still running, by name: one that hangs is not started again.
_running: dict[str, CheckCall] = {}
_running_lock = threading.Lock()


@process_wide
def _reset() -> None:
    # No call running. A check hung in a fork's parent has no thread in the child, which may call it again.
    global _running, _running_lock
    _running, _running_lock = {}, threading.Lock()


def _start(name: str, check: Callable[[State], Any], state: State) -> CheckCall | None:
    """A new call of the check, or None while its last call still runs."""
    with _running_lock:
        earlier = _running.get(name)
        if earlier is not None and not earlier.outcome.done():
            return None
        call = CheckCall(name, check, state)
        _running[name] = call
        return call


def _retrieve(waiting: asyncio.Future[Any]) -> None:
    # A check that answers after its probe gave up: its error was reported as a timeout.
    if not waiting.cancelled():
        waiting.exception()


async def run_check(name: str, check: Callable[[State], Any], state: State, timeout: float) -> CheckResult:
    checked_at = now().isoformat()
    started = time.perf_counter()
    error: BaseException | None
    try:
        call = _start(name, check, state)
    except ThreadStartError as exc:
        call, error = None, exc
    else:
        error = None
    if call is None and error is None:
        earlier = _running[name]
        error = TimeoutError(
            f"{name!r} is still running from an earlier probe, started "
            f"{time.monotonic() - earlier.started:.1f} s ago; it is not started again until it returns"
        )
    if call is not None:
        waiting = asyncio.wrap_future(call.outcome)
        waiting.add_done_callback(_retrieve)
        # asyncio.wait, not wait_for: it never waits for a cancelled check to end.
        await asyncio.wait({waiting}, timeout=timeout)
        if not waiting.done():
            error = TimeoutError(f"{name!r} gave no answer in LIFESPAN_HEALTH_TIMEOUT ({timeout:g} s)")
            if call.task is not None:
                call.task.cancel()  # Asked to stop; not waited for.
        elif waiting.exception() is not None:
            error = waiting.exception()
        elif waiting.result() is False:
            error = HealthCheckFailed(f"{name!r} returned False")
    return CheckResult(name, error is None, time.perf_counter() - started, checked_at, error)


async def run_checks(state: State) -> list[CheckResult]:
    timeout = conf.LIFESPAN_HEALTH_TIMEOUT
    # A typed key's own check (StateKey(..., check=...)) runs as a declared one does.
    checks = {**declared_checks(), **key_checks(state)}
    # Each check gets its own copy, as each request does: none sees another's writes.
    return list(
        await asyncio.gather(
            *(run_check(name, check, State(dict(state)), timeout) for name, check in checks.items())
        )
    )
