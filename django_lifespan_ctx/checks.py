from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error

from ._engine.plan import inspect_plan
from .conf import boolean_problem, conf, timeout_problem

PREFIX = "django_lifespan_ctx"
TIMEOUT_IDS = {"LIFESPAN_STARTUP_TIMEOUT": "E009", "LIFESPAN_SHUTDOWN_TIMEOUT": "E010"}
LAZY_STARTUP_ID = "E011"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return settings_errors()


def settings_errors(contexts: Any = None) -> list[CheckMessage]:
    """The contexts' and settings' problems; ``contexts`` replaces the plan, as in lifespan()."""
    _, problems = inspect_plan(contexts)
    errors: list[CheckMessage] = [
        Error(problem.message, hint=problem.hint, id=f"{PREFIX}.{problem.id}") for problem in problems
    ]
    for name, id in TIMEOUT_IDS.items():
        problem = timeout_problem(name, conf.raw(name))
        if problem:
            hint = f"Set {name} = 30 (seconds), for example, or None for no limit."
            errors.append(Error(problem, hint=hint, id=f"{PREFIX}.{id}"))
    problem = boolean_problem("LIFESPAN_LAZY_STARTUP", conf.raw("LIFESPAN_LAZY_STARTUP", False))
    if problem:
        hint = "Set LIFESPAN_LAZY_STARTUP = True only for servers that send no lifespan events."
        errors.append(Error(problem, hint=hint, id=f"{PREFIX}.{LAZY_STARTUP_ID}"))
    return errors
