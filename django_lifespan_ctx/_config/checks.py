from __future__ import annotations

from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error, Warning

from django_lifespan_ctx._config.conf import (
    boolean_problem,
    conf,
    drain_problem,
    drain_signals_problem,
    timeout_problem,
)
from django_lifespan_ctx._config.sources import inspect_plan
from django_lifespan_ctx._engine import check_ids
from django_lifespan_ctx._engine.plan import (
    APP_ATTRIBUTE,
    EXCLUDE_SETTING,
    Plan,
    Problem,
    is_group,
    ships_contexts,
)

TIMEOUT_IDS = {
    "LIFESPAN_STARTUP_TIMEOUT": check_ids.STARTUP_TIMEOUT,
    "LIFESPAN_SHUTDOWN_TIMEOUT": check_ids.SHUTDOWN_TIMEOUT,
}


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return settings_errors()


def check_runserver(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Which runserver `manage.py runserver` is, and whether it can run the lifespan."""
    from django.core.management import get_commands

    app = get_commands().get("runserver")
    if app == check_ids.PREFIX and find_spec("uvicorn") is None:
        return [
            Warning(
                "manage.py runserver will serve with Django's own development server, without the "
                "lifespan: it needs uvicorn, which is not installed.",
                hint="pip install 'django-lifespan-ctx[runserver]'.",
                id=check_ids.full(check_ids.RUNSERVER_WITHOUT_UVICORN),
            )
        ]
    if app == "django.contrib.staticfiles" and find_spec("uvicorn") is not None:
        return [
            Warning(
                "manage.py runserver is django.contrib.staticfiles' (Django's own server), which "
                "runs no lifespan, because 'django_lifespan_ctx' comes after "
                "'django.contrib.staticfiles' in INSTALLED_APPS.",
                hint="List 'django_lifespan_ctx' before 'django.contrib.staticfiles' in "
                "INSTALLED_APPS (the first app's runserver wins); static files are still served.",
                id=check_ids.full(check_ids.RUNSERVER_AFTER_STATICFILES),
            )
        ]
    return []


def excluded_apps_problems() -> list[CheckMessage]:
    """LIFESPAN_EXCLUDE_APPS: a list of labels of installed apps that ship lifespan_contexts."""
    excluded = conf.LIFESPAN_EXCLUDE_APPS
    if not is_group(excluded) or not all(isinstance(label, str) for label in excluded):
        return [
            Error(
                f"{EXCLUDE_SETTING} must be a list of app labels, not {excluded!r}.",
                hint=f'Write {EXCLUDE_SETTING} = ["payments"] to leave out the lifespan_contexts '
                "that the app labelled 'payments' ships.",
                id=check_ids.full(check_ids.EXCLUDE_APPS_TYPE),
            )
        ]
    shipping = sorted(config.label for config in apps.get_app_configs() if ships_contexts(config))
    return [
        Warning(
            f"{EXCLUDE_SETTING} names {label!r}, which is not the label of an installed app "
            f"that ships {APP_ATTRIBUTE}, so it leaves nothing out.",
            hint=f"Apps that ship contexts: {', '.join(map(repr, shipping)) or 'none'}. Use the "
            "app's label (AppConfig.label, the last part of its name by default), or remove the entry.",
            id=check_ids.full(check_ids.EXCLUDE_APPS_UNKNOWN),
        )
        for label in excluded
        if label not in shipping
    ]


def plan_errors(problems: list[Problem]) -> list[CheckMessage]:
    return [Error(problem.message, hint=problem.hint, id=check_ids.full(problem.id)) for problem in problems]


def settings_errors(
    contexts: Any = None, inspected: tuple[Plan, list[Problem]] | None = None
) -> list[CheckMessage]:
    """The contexts' and settings' problems; ``contexts`` replaces the plan, as in lifespan().

    ``inspected`` is the plan already read from those contexts (startup builds it
    once and hands it here), so no entry is imported or inspected twice.
    """
    _, problems = inspect_plan(contexts) if inspected is None else inspected
    errors = plan_errors(problems)
    for name, id in TIMEOUT_IDS.items():
        problem = timeout_problem(name, conf.raw(name))
        if problem:
            hint = f"Set {name} = 30 (seconds), for example, or None for no limit."
            errors.append(Error(problem, hint=hint, id=check_ids.full(id)))
    problem = boolean_problem("LIFESPAN_LAZY_STARTUP", conf.raw("LIFESPAN_LAZY_STARTUP", False))
    if problem:
        hint = "Set LIFESPAN_LAZY_STARTUP = True only for servers that send no lifespan events."
        errors.append(Error(problem, hint=hint, id=check_ids.full(check_ids.LAZY_STARTUP)))
    problem = drain_problem(conf.raw("LIFESPAN_DRAIN_SECONDS", 0))
    if problem:
        hint = (
            "Set LIFESPAN_DRAIN_SECONDS = 5, say: a little longer than your load balancer takes to "
            "notice, and within the orchestrator's grace period (at most an hour; not inf or nan)."
        )
        errors.append(Error(problem, hint=hint, id=check_ids.full(check_ids.DRAIN_SECONDS)))
    problem = drain_signals_problem(conf.raw("LIFESPAN_DRAIN_SIGNALS", ["SIGTERM"]))
    if problem:
        hint = (
            'Leave it out for ["SIGTERM"], what orchestrators send (Ctrl+C, SIGINT, then stops at '
            'once); ["SIGTERM", "SIGINT"] drains on both.'
        )
        errors.append(Error(problem, hint=hint, id=check_ids.full(check_ids.DRAIN_SIGNALS)))
    if contexts is None:  # Replacement contexts leave apps' contexts out, and so the exclusions.
        errors += excluded_apps_problems()
    return errors
