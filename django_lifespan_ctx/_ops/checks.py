"""System checks for the operations settings: health checks, telemetry, run-once, probes."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from django_lifespan_ctx._config.conf import boolean_problem, conf, positive_problem
from django_lifespan_ctx._config.probe_details import (
    DETAILS_SETTING,
    TOKEN_SETTING,
    details_problem,
    token_problem,
)
from django_lifespan_ctx._ops.health import check_problems

PREFIX = "django_lifespan_ctx"
HEALTH_CHECKS_ID = "E040"
HEALTH_TIMEOUT_ID = "E041"
OPENTELEMETRY_ID = "E042"
OPENTELEMETRY_MISSING_ID = "E043"
RUN_ONCE_INTERVAL_ID = "E044"
PROBE_DETAILS_ID = "E045"
PROBE_TOKEN_ID = "E046"


def check_operations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = [
        Error(message, hint=hint, id=f"{PREFIX}.{HEALTH_CHECKS_ID}")
        for message, hint in check_problems(conf.raw("LIFESPAN_HEALTH_CHECKS", {}))
    ]
    for name, id in (
        ("LIFESPAN_HEALTH_TIMEOUT", HEALTH_TIMEOUT_ID),
        ("LIFESPAN_RUN_ONCE_INTERVAL", RUN_ONCE_INTERVAL_ID),
    ):
        problem = positive_problem(name, conf.raw(name, 5.0))
        if problem:
            errors.append(Error(problem, hint=f"Set {name} = 5 (seconds), for example.", id=f"{PREFIX}.{id}"))
    telemetry = conf.raw("LIFESPAN_OPENTELEMETRY", False)
    problem = boolean_problem("LIFESPAN_OPENTELEMETRY", telemetry)
    if problem:
        errors.append(Error(problem, id=f"{PREFIX}.{OPENTELEMETRY_ID}"))
    elif telemetry and not opentelemetry_installed():
        errors.append(
            Error(
                "LIFESPAN_OPENTELEMETRY is True, but OpenTelemetry is not installed.",
                hint="Install the otel extra: pip install 'django-lifespan-ctx[otel]'.",
                id=f"{PREFIX}.{OPENTELEMETRY_MISSING_ID}",
            )
        )
    return errors + probe_problems()


def probe_problems() -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    problem = details_problem(conf.LIFESPAN_PROBE_DETAILS)
    if problem:
        hint = (
            f'Write {DETAILS_SETTING} = ["10.0.0.0/8"] for the callers that may read readyz/\'s details, '
            "or [] for none. Until then, every caller gets the status alone."
        )
        errors.append(Error(problem, hint=hint, id=f"{PREFIX}.{PROBE_DETAILS_ID}"))
    problem = token_problem(conf.LIFESPAN_PROBE_TOKEN)
    if problem:
        hint = f'Read it from the environment: {TOKEN_SETTING} = os.environ.get("PROBE_TOKEN").'
        errors.append(Error(problem, hint=hint, id=f"{PREFIX}.{PROBE_TOKEN_ID}"))
    return errors


def opentelemetry_installed() -> bool:
    try:
        import opentelemetry.trace  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        return False
    return True
