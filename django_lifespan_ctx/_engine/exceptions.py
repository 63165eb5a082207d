from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Failure:
    """One error during startup or shutdown, and where it happened."""

    where: str
    error: BaseException

    def __str__(self) -> str:
        detail = str(self.error)
        kind = type(self.error).__name__
        return f"{self.where}: {kind}: {detail}" if detail else f"{self.where}: {kind}"


class LifespanStoppedError(RuntimeError):
    """The lifespan stopped (or was stopping) before a coroutine given to run() or arun() finished.

    A coroutine still running when stop() was called is cancelled before any
    context exits; then its caller gets this error.
    """


class LifespanStartupError(Exception):
    """Startup failed; everything already entered has been exited."""

    def __init__(self, failure: Failure, cleanup: list[Failure]) -> None:
        message = f"Lifespan startup failed while {failure}"
        if cleanup:
            message += "; then, while unwinding: " + "; ".join(map(str, cleanup))
        super().__init__(message)
        self.failure = failure
        self.cleanup = cleanup


class LifespanShutdownError(Exception):
    """Shutdown finished, but one or more receivers or exits raised."""

    def __init__(self, failures: list[Failure]) -> None:
        super().__init__("Lifespan shutdown failed: " + "; ".join(map(str, failures)))
        self.failures = failures


def raise_for_shutdown(failures: list[Failure]) -> None:
    """Raise what a failed shutdown means to Python code; nothing when it succeeded.

    KeyboardInterrupt and SystemExit pass on as themselves, once every exit has run.
    """
    if not failures:
        return
    for failure in failures:
        if not isinstance(failure.error, Exception):
            raise failure.error
    raise LifespanShutdownError(failures) from failures[0].error


class LifespanConfigurationError(ImproperlyConfigured):
    """Startup refused to run: the same problems `manage.py check` reports."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = "a configuration problem" if count == 1 else f"{count} configuration problems"
        super().__init__(f"{head} (as `manage.py check` reports): " + " | ".join(self.problems))
