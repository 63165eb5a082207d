"""What background() and every() return: the service's target and policies, checked as written.

Each is an entry for LIFESPAN_CONTEXTS, entered and exited by the engine's owner
like any other context. Its enter starts a supervisor (supervisor.py) after the
entries before it, so the service gets their state; its exit stops it, before
those entries exit.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncGenerator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, cast

from django.utils.module_loading import import_string

from django_lifespan_ctx._engine.plan import describe, describe_error
from django_lifespan_ctx._engine.state import State
from django_lifespan_ctx._ops.services.schedule import RESTART_POLICIES, Restart
from django_lifespan_ctx._ops.services.supervisor import ServiceError, Supervisor


def _seconds(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


class Service:
    """The entry background() returns (every()'s is a PeriodicService): list it in LIFESPAN_CONTEXTS."""

    kind = "background"

    def __init__(
        self,
        target: Any,
        *,
        name: object,
        restart: object,
        backoff: object,
        critical: object,
    ) -> None:
        # Typed loosely: settings.py is where these are written, and each gets a clear error.
        kind = self.kind
        if not (isinstance(target, str) and target) and not callable(target):
            raise TypeError(
                f"{kind}() needs a target: a dotted path or a function, not {target!r}. "
                "Write, for example, background('myapp.services.consume_queue')."
            )
        if name is not None and not (isinstance(name, str) and name):
            raise TypeError(f"{kind}(name=...) must be a non-empty string, not {name!r}.")
        if restart not in RESTART_POLICIES:
            raise ValueError(
                f"{kind}({self._shown(target, name)!r}, restart={restart!r}): restart must be "
                "'always', 'on-failure' or 'never'."
            )
        bounds = list(cast("list[Any]", backoff)) if isinstance(backoff, (tuple, list)) else []
        if not (len(bounds) == 2 and all(_seconds(bound) for bound in bounds) and bounds[0] <= bounds[1]):
            raise ValueError(
                f"{kind}({self._shown(target, name)!r}, backoff={backoff!r}): backoff must be two "
                "positive numbers of seconds, the shortest and the longest wait before a "
                "restart, such as (0.1, 30.0)."
            )
        if not isinstance(critical, bool):
            raise TypeError(f"{kind}(critical=...) must be True or False, not {critical!r}.")
        self.target = target
        self.name = self._shown(target, name)
        self.restart: Restart = restart
        self.critical = critical
        self.backoff = (float(bounds[0]), float(bounds[1]))

    @staticmethod
    def _shown(target: Any, name: object) -> str:
        if isinstance(name, str) and name:
            return name
        return target if isinstance(target, str) else describe(target)

    @property
    def lifespan_service_name(self) -> str:
        """What the plan reads to refuse two services of one name (_engine.plan, E019)."""
        return self.name

    def __repr__(self) -> str:
        return f"{self.kind}({self.name!r})"

    def _policy(self) -> str:
        return f"restart={self.restart}"

    def describe_policy(self) -> str:
        """How it is supervised, in a few words: for ``manage.py lifespan --list``."""
        low, high = self.backoff
        return f"{self._policy()}, backoff {low:g}-{high:g} s" + (", critical" if self.critical else "")

    async def run(self, supervisor: Supervisor) -> None:
        """One run, from start to return or failure: the supervisor restarts it."""
        supervisor.status.state = "running"  # Up as soon as it has started again.
        await supervisor.call(supervisor.stop_event)

    def __call__(self, state: State) -> AbstractAsyncContextManager[None]:
        return self._supervised(state)

    @asynccontextmanager
    async def _supervised(self, state: State) -> AsyncGenerator[None, None]:
        function, is_async = self._resolve()
        supervisor = Supervisor(self, function, is_async, state)
        supervisor.start()
        try:
            yield None
        finally:
            await supervisor.stop()

    def _resolve(self) -> tuple[Callable[..., Any], bool]:
        """The target, imported now (settings.py may name a function defined after it), and if it is async."""
        function: Any = self.target
        if isinstance(function, str):
            try:
                function = import_string(function)
            except Exception as exc:
                raise ServiceError(
                    f"{self!r} could not import {self.target!r}: {describe_error(exc)}. "
                    "Check the dotted path: it must name a function, like 'myapp.services.refresh'."
                ) from exc
            if not callable(function):
                raise ServiceError(f"{self!r}: {self.target!r} is not a function.")
        is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            getattr(function, "__call__", None)  # noqa: B004 - an object with an async __call__
        )
        arguments = self._arguments(is_async)
        try:
            inspect.signature(function).bind(*arguments)
        except TypeError as exc:
            raise ServiceError(self._signature_hint(is_async, exc)) from exc
        except ValueError:
            pass  # No signature to read (some builtins): called all the same.
        return cast("Callable[..., Any]", function), is_async

    def _arguments(self, is_async: bool) -> tuple[str, ...]:
        # A sync service is told to stop through an event; an async one is cancelled.
        return ("state",) if is_async else ("state", "stop")

    def _wanted(self, is_async: bool) -> str:
        if is_async:
            return "async def service(state), which runs until cancelled"
        return "def service(state, stop), which returns once the threading.Event `stop` is set"

    def _signature_hint(self, is_async: bool, exc: TypeError) -> str:
        wanted = self._wanted(is_async)
        return f"{self!r}: {self.kind}() cannot call the target ({exc}); write it as {wanted}."


class PeriodicService(Service):
    """The entry every() returns: a job run at an interval, never overlapping itself."""

    kind = "every"

    def __init__(
        self, interval: float, target: Any, *, name: object, backoff: object, critical: object
    ) -> None:
        super().__init__(target, name=name, restart="always", backoff=backoff, critical=critical)
        self.interval = interval

    def __repr__(self) -> str:
        return f"every({self.interval:g}, {self.name!r})"

    def _policy(self) -> str:
        return f"every {self.interval:g} s"

    async def run(self, supervisor: Supervisor) -> None:
        # Up only once a run has succeeded again (periodic() says so).
        await supervisor.periodic(self.interval)

    def _arguments(self, is_async: bool) -> tuple[str, ...]:
        return ("state",)

    def _wanted(self, is_async: bool) -> str:
        return "async def job(state)" if is_async else "def job(state)"


def background(
    target: Any,
    *,
    name: str | None = None,
    restart: Restart = "on-failure",
    backoff: tuple[float, float] = (0.1, 30.0),
    critical: bool = False,
) -> Service:
    """A LIFESPAN_CONTEXTS entry that runs ``target`` for as long as the lifespan, supervised.

    ``target`` (a dotted path or a function) is ``async def target(state)``,
    which runs until cancelled, or ``def target(state, stop)``, run in a daemon
    thread of the library's own, which returns once the ``threading.Event``
    ``stop`` is set. ``state`` is what the entries before it yielded. A failure
    is logged with its traceback and restarted under ``restart`` (``"always"``,
    ``"on-failure"``, ``"never"``), waiting between ``backoff``'s bounds, longer
    after each failure in a row. ``critical=True`` makes readyz/ answer 503
    while the service is not running.
    """
    return Service(target, name=name, restart=restart, backoff=backoff, critical=critical)


def every(seconds: float, target: Any, *, name: str | None = None, critical: bool = False) -> Service:
    """A LIFESPAN_CONTEXTS entry that runs ``target(state)`` every ``seconds``, supervised.

    The first run starts with the service; runs never overlap, and one that
    takes longer than ``seconds`` is logged and the runs it overlapped are
    skipped. A sync ``target`` runs in a daemon thread of the library's own.
    A failed run is logged with its traceback and run again after a backoff
    of at most ``seconds``; ``critical=True`` makes readyz/ answer 503 until a
    run succeeds again.
    """
    if not _seconds(seconds):
        raise ValueError(f"every({seconds!r}, ...): the interval must be a positive number of seconds.")
    seconds = float(seconds)
    backoff = (min(1.0, seconds), seconds)
    return PeriodicService(seconds, target, name=name, backoff=backoff, critical=critical)
