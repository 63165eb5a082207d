"""Health checks declared in LIFESPAN_HEALTH_CHECKS, run concurrently against a State."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.utils.module_loading import import_string

from .conf import conf
from .readiness import now
from .state import State

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


async def run_check(name: str, check: Callable[[State], Any], state: State, timeout: float) -> CheckResult:
    checked_at = now().isoformat()
    started = time.perf_counter()
    try:
        answer = await asyncio.wait_for(_call(check, state), timeout)
        error: BaseException | None = (
            HealthCheckFailed(f"{name!r} returned False") if answer is False else None
        )
    except asyncio.TimeoutError:
        error = TimeoutError(f"{name!r} gave no answer in LIFESPAN_HEALTH_TIMEOUT ({timeout:g} s)")
    except Exception as exc:
        error = exc
    return CheckResult(name, error is None, time.perf_counter() - started, checked_at, error)


async def _call(check: Callable[[State], Any], state: State) -> Any:
    # An async function, or an object whose __call__ is one.
    if iscoroutinefunction(check) or iscoroutinefunction(type(check).__call__):
        return await check(state)
    # Each sync check in a thread of its own: one that hangs must not hold up
    # the others. A hung thread cannot be stopped; it is reported as timed out
    # and left to finish on its own.
    return await sync_to_async(check, thread_sensitive=False)(state)


async def run_checks(state: State) -> list[CheckResult]:
    timeout = conf.LIFESPAN_HEALTH_TIMEOUT
    checks = declared_checks()
    # Each check gets its own copy, as each request does: none sees another's writes.
    return list(
        await asyncio.gather(
            *(run_check(name, check, State(dict(state)), timeout) for name, check in checks.items())
        )
    )
