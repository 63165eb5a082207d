"""Where a plan's entries come from: LIFESPAN_CONTEXTS, installed apps and registrations.

The engine builds a plan from the sources it is given; this module reads them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine.plan import (
    AppContexts,
    Plan,
    PlanBuilder,
    PlanError,
    Problem,
    is_group,
    read_app_contexts,
    ships_contexts,
)

# What reusable apps registered (registry.register_context), after the setting's entries.
registered_contexts: list[Any] = []


def shipped_by_apps() -> list[AppContexts]:
    """Installed apps' lifespan_contexts in INSTALLED_APPS order, less LIFESPAN_EXCLUDE_APPS."""
    from django.apps import apps

    raw = conf.LIFESPAN_EXCLUDE_APPS
    # A wrong value is the checks' to report (checks.excluded_apps_problems).
    excluded: set[str] = {label for label in raw if isinstance(label, str)} if is_group(raw) else set()
    return [
        read_app_contexts(config)
        for config in apps.get_app_configs()
        if ships_contexts(config) and config.label not in excluded
    ]


def registered_entries() -> list[Any]:
    return list(registered_contexts)


def inspect_plan(contexts: Sequence[Any] | None = None) -> tuple[Plan, list[Problem]]:
    """The plan from apps, settings and registrations, with every problem found.

    Given ``contexts``, the plan is those alone: apps, settings and
    registrations are left out (the way tests swap in replacements).
    """
    if contexts is None:
        builder = PlanBuilder()
        plan = builder.build(conf.LIFESPAN_CONTEXTS, list(registered_contexts), shipped_by_apps())
    else:
        builder = PlanBuilder(label="contexts")
        plan = builder.build(contexts, [])
    return plan, builder.problems


def build_plan(contexts: Sequence[Any] | None = None) -> Plan:
    plan, problems = inspect_plan(contexts)
    if problems:
        raise PlanError(problems[0])
    return plan
