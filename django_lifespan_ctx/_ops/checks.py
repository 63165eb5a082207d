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
from django_lifespan_ctx._engine import check_ids
from django_lifespan_ctx._ops.health import check_problems


def check_operations(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = [
        Error(message, hint=hint, id=check_ids.full(check_ids.HEALTH_CHECKS))
        for message, hint in check_problems(conf.raw("LIFESPAN_HEALTH_CHECKS", {}))
    ]
    for name, id in (
        ("LIFESPAN_HEALTH_TIMEOUT", check_ids.HEALTH_TIMEOUT),
        ("LIFESPAN_RUN_ONCE_INTERVAL", check_ids.RUN_ONCE_INTERVAL),
    ):
        problem = positive_problem(name, conf.raw(name, 5.0))
        if problem:
            hint = f"Set {name} = 5 (seconds), for example."
            errors.append(Error(problem, hint=hint, id=check_ids.full(id)))
    telemetry = conf.raw("LIFESPAN_OPENTELEMETRY", False)
    problem = boolean_problem("LIFESPAN_OPENTELEMETRY", telemetry)
    if problem:
        errors.append(Error(problem, id=check_ids.full(check_ids.OPENTELEMETRY)))
    elif telemetry and not opentelemetry_installed():
        errors.append(
            Error(
                "LIFESPAN_OPENTELEMETRY is True, but OpenTelemetry is not installed.",
                hint="Install the otel extra: pip install 'django-lifespan-ctx[otel]'.",
                id=check_ids.full(check_ids.OPENTELEMETRY_MISSING),
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
        errors.append(Error(problem, hint=hint, id=check_ids.full(check_ids.PROBE_DETAILS)))
    problem = token_problem(conf.LIFESPAN_PROBE_TOKEN)
    if problem:
        hint = f'Read it from the environment: {TOKEN_SETTING} = os.environ.get("PROBE_TOKEN").'
        errors.append(Error(problem, hint=hint, id=check_ids.full(check_ids.PROBE_TOKEN)))
    return errors


def opentelemetry_installed() -> bool:
    try:
        import opentelemetry.trace  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        return False
    return True
