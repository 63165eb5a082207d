"""django-health-check plugins: the lifespan's readiness, and each LIFESPAN_HEALTH_CHECKS entry.

List [`lifespan_checks()`][django_lifespan_ctx.contrib.health_check.lifespan_checks] in a
``HealthCheckView``::

    HealthCheckView.as_view(checks=[*lifespan_checks(), "health_check.checks.Cache"])

Needs the ``health`` extra.
"""

from __future__ import annotations

import dataclasses
from typing import Any

try:
    from health_check.base import HealthCheck  # type: ignore[import-untyped]
    from health_check.exceptions import ServiceUnavailable  # type: ignore[import-untyped]
except ImportError as exc:
    raise ImportError(
        "django_lifespan_ctx.contrib.health_check needs django-health-check: "
        "pip install 'django-lifespan-ctx[health]'."
    ) from exc

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._ops.health import declared_checks, run_check
from django_lifespan_ctx._ops.readiness import tracker
from django_lifespan_ctx._serving.state.scope import state_from_scope

# mypy sees django-health-check's classes as Any (it ships no types).
_Base: Any = HealthCheck


@dataclasses.dataclass
class Lifespan(_Base):  # type: ignore[misc]
    """Unavailable until this process's lifespan has started, and again once it stops."""

    async def run(self) -> None:
        if tracker.ready:
            return
        failed = [name for name, status in tracker.contexts.items() if status.state == "failed"]
        detail = f"; failed: {', '.join(failed)}" if failed else ""
        raise ServiceUnavailable(f"lifespan {tracker.status}{detail}")


@dataclasses.dataclass
class LifespanCheck(_Base):  # type: ignore[misc]
    """One LIFESPAN_HEALTH_CHECKS entry, run against this process's lifespan state."""

    name: str = ""

    async def run(self) -> None:
        check = declared_checks()[self.name]
        # The process's state: django-health-check gives a check no request.
        result = await run_check(self.name, check, state_from_scope({}), conf.LIFESPAN_HEALTH_TIMEOUT)
        if result.error is not None:
            # The class name only: django-health-check shows this text to whoever asks.
            raise ServiceUnavailable(type(result.error).__name__)


def lifespan_checks() -> list[Any]:
    """The plugins for HealthCheckView's ``checks``: the lifespan, then each declared check."""
    return [Lifespan, *((LifespanCheck, {"name": name}) for name in conf.LIFESPAN_HEALTH_CHECKS)]
