"""What the lifespan reports as it runs, for readiness probes, telemetry and logs.

Observers are told when a phase (startup, shutdown) and each step in it
(a context's enter or exit, a signal receiver) start and finish. Group members
report from their own tasks, so their steps overlap as they really ran.

Observers watch outcomes and never change them: an exception from one (a
logging filter or handler, OpenTelemetry, the readiness tracker) is reported
once and swallowed, and the step's own outcome stands.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

logger = logging.getLogger("django_lifespan_ctx")

Phase = Literal["startup", "shutdown"]
StepKind = Literal["context", "receiver"]


@dataclass(frozen=True)
class Step:
    """One step of a phase: a context entered or exited, or a signal receiver called."""

    phase: Phase
    kind: StepKind
    name: str  # The context's or receiver's dotted name.
    origin: str  # Where it was listed: "LIFESPAN_CONTEXTS[1]", "asgi_startup", ...
    # When finished: what it raised, and the keys a context's enter yielded.
    error: BaseException | None = None
    keys: tuple[str, ...] = ()


class LifespanObserver(Protocol):
    def phase_started(self, phase: Phase) -> None: ...

    def step_started(self, step: Step) -> None: ...

    def step_finished(self, step: Step) -> None: ...

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None: ...


LOGGING = "a filter or handler of the 'django_lifespan_ctx' logger"

_observers: list[LifespanObserver] = []
# Whether anyone watches, for callers that would otherwise prepare an event for no one
# (changed in place, never rebound).
watching = _observers
# Each event's bound methods, made when an observer comes or goes rather than on
# every event: four events per context make this the startup path's busiest loop.
_methods: dict[str, tuple[tuple[LifespanObserver, Callable[..., None]], ...]] = {}
EVENTS = ("phase_started", "step_started", "step_finished", "phase_finished")
# What has failed already: each observer (or log line) is reported once, not on every step.
_reported: set[str] = set()


def add_observer(observer: LifespanObserver) -> None:
    if observer not in _observers:
        _observers.append(observer)
        _bind()


def remove_observer(observer: LifespanObserver) -> None:
    if observer in _observers:
        _observers.remove(observer)
        _bind()


def _bind() -> None:
    _methods.clear()
    for event in EVENTS:
        _methods[event] = tuple((observer, getattr(observer, event)) for observer in _observers)


def observe(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Call an observer (or write a log line); whatever it raises is reported once, then ignored."""
    try:
        function(*args, **kwargs)
    except Exception as exc:
        report_observer_failure(what, exc)


def report_observer_failure(what: str, error: Exception) -> None:
    if what in _reported:
        return
    _reported.add(what)
    text = f"django_lifespan_ctx: {what} raised {error!r}; ignored, and not reported again."
    try:
        logger.error(text, exc_info=error)
    except Exception:
        # The logging itself is what fails: the one place left to say it.
        try:
            sys.stderr.write(text + "\n" + "".join(traceback.format_exception(error)))
        except Exception:  # pragma: no cover - no stderr either
            pass


def log(level: int, message: str, *args: Any, **kwargs: Any) -> None:
    """Write one of the library's log lines: a filter or handler that raises changes nothing."""
    if logger.isEnabledFor(level):
        kwargs.setdefault("stacklevel", 3)  # The record names our caller, not this helper.
        observe(LOGGING, logger.log, level, message, *args, **kwargs)


def _tell(event: str, *args: object) -> None:
    for observer, method in _methods[event]:
        try:
            method(*args)
        except Exception as exc:
            report_observer_failure(f"lifespan observer {observer!r} ({event})", exc)


def phase_started(phase: Phase) -> None:
    if _observers:
        _tell("phase_started", phase)


_new = object.__new__


def _step(
    phase: Phase, kind: StepKind, name: str, origin: str, error: BaseException | None, keys: tuple[str, ...]
) -> Step:
    """Step(...), without the frozen dataclass's __init__ (a setattr per field).

    Four Steps are made per context: through __init__ they cost more than
    entering a no-op context does. Writing the instance's dict once is what
    __init__ would leave there; the Step is as frozen afterwards.
    """
    step = _new(Step)
    fields = step.__dict__
    fields["phase"] = phase
    fields["kind"] = kind
    fields["name"] = name
    fields["origin"] = origin
    fields["error"] = error
    fields["keys"] = keys
    return step


# Steps with no error and no keys are the same at every startup: each is made once.
# Kept up to a bound, for processes (test runs) that name many contexts.
_plain_steps: dict[tuple[str, str, str, str], Step] = {}
PLAIN_STEPS_KEPT = 4096


def _plain_step(phase: Phase, kind: StepKind, name: str, origin: str) -> Step:
    key = (phase, kind, name, origin)
    step = _plain_steps.get(key)
    if step is None:
        if len(_plain_steps) >= PLAIN_STEPS_KEPT:
            _plain_steps.clear()
        step = _plain_steps[key] = _step(phase, kind, name, origin, None, ())
    return step


def step_started(phase: Phase, kind: StepKind, name: str, origin: str) -> None:
    if _observers:  # The Step is made only when someone watches: startup's busiest path.
        step = _plain_step(phase, kind, name, origin)
        # _tell, written out: two calls per context each way.
        for observer, method in _methods["step_started"]:
            try:
                method(step)
            except Exception as exc:
                report_observer_failure(f"lifespan observer {observer!r} (step_started)", exc)


def step_finished(
    phase: Phase,
    kind: StepKind,
    name: str,
    origin: str,
    error: BaseException | None = None,
    keys: tuple[str, ...] = (),
) -> None:
    if _observers:
        if error is None and not keys:
            step = _plain_step(phase, kind, name, origin)
        else:
            step = _step(phase, kind, name, origin, error, keys)
        for observer, method in _methods["step_finished"]:
            try:
                method(step)
            except Exception as exc:
                report_observer_failure(f"lifespan observer {observer!r} (step_finished)", exc)


def phase_finished(phase: Phase, error: BaseException | None = None) -> None:
    if _observers:
        _tell("phase_finished", phase, error)
