"""The configuration problems startup refuses to run with: exactly those `manage.py check` reports.

Startup runs the library's own system checks rather than a second set of
rules, so `check`, server startup and `manage.py lifespan` cannot disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from django.apps import apps
from django.core import checks

from django_lifespan_ctx._config.checks import plan_errors, settings_errors
from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._config.sources import inspect_plan, registered_entries, shipped_by_apps
from django_lifespan_ctx._config.statetype import check_state_type
from django_lifespan_ctx._engine.exceptions import LifespanConfigurationError
from django_lifespan_ctx._engine.observers import log
from django_lifespan_ctx._engine.plan import Plan, Problem
from django_lifespan_ctx._engine.setup import Configured

logger = logging.getLogger("django_lifespan_ctx")
PACKAGE = "django_lifespan_ctx"

NOT_INSTALLED = (
    "'django_lifespan_ctx' is not in INSTALLED_APPS, so `manage.py check` does not "
    "validate LIFESPAN_CONTEXTS and `manage.py lifespan` is unknown. Add "
    "'django_lifespan_ctx' to INSTALLED_APPS."
)
_warned_not_installed = False


def describe_message(message: checks.CheckMessage) -> str:
    """One line: the id, the message, and the fix."""
    text = f"{message.id}: {message.msg}"
    return f"{text} HINT: {message.hint}" if message.hint else text


def library_checks() -> list[Any]:
    registered = checks.registry.registry.get_checks()
    return [check for check in registered if getattr(check, "__module__", "").startswith(PACKAGE)]


def configuration_problems(
    contexts: Sequence[Any] | None = None, inspected: tuple[Plan, list[Problem]] | None = None
) -> list[str]:
    """Every error our checks find, one line each; ``contexts`` replaces LIFESPAN_CONTEXTS.

    ``inspected``: the plan already read from those contexts, so it is read once.
    """
    global _warned_not_installed
    if not apps.is_installed(PACKAGE) and not _warned_not_installed:
        _warned_not_installed = True
        log(logging.WARNING, NOT_INSTALLED)
    found: list[checks.CheckMessage] = list(settings_errors(contexts, inspected))
    for check in library_checks():
        if getattr(check, "__name__", "") == "check_settings":
            continue  # Run above, with the contexts this run uses.
        found += check(app_configs=None, databases=None)
    return [describe_message(message) for message in found if message.is_serious()]


def ensure_configured(
    contexts: Sequence[Any] | None = None, inspected: tuple[Plan, list[Problem]] | None = None
) -> None:
    problems = configuration_problems(contexts, inspected)
    if problems:
        raise LifespanConfigurationError(problems)


# Everything the checks and the plan read: when none of it changed since the last
# startup, the plan that passed then passes now. Reading the plan and running the
# checks costs as much as entering a no-op context, at every startup.
_READ_SETTINGS = (
    "LIFESPAN_CONTEXTS",
    "LIFESPAN_STARTUP_TIMEOUT",
    "LIFESPAN_SHUTDOWN_TIMEOUT",
    "LIFESPAN_LAZY_STARTUP",
    "LIFESPAN_HEALTH_CHECKS",
    "LIFESPAN_HEALTH_TIMEOUT",
    "LIFESPAN_OPENTELEMETRY",
    "LIFESPAN_RUN_ONCE_INTERVAL",
    "LIFESPAN_RUN_ONCE_LOCK_DIR",
    "LIFESPAN_STATE_TYPE",
    "LIFESPAN_EXCLUDE_APPS",
    "LIFESPAN_DRAIN_SECONDS",
    "LIFESPAN_DRAIN_SIGNALS",
    "LIFESPAN_PROBE_DETAILS",
    "LIFESPAN_PROBE_TOKEN",
    "INSTALLED_APPS",
    "DATABASES",
)
_last_passed: tuple[tuple[int, ...], Plan, list[Any]] | None = None
# The same for every check but the plan's: they read only the settings, so with the
# very same settings they pass again, and only a new plan needs checking.
_settings_passed: tuple[tuple[int, ...], list[Any]] | None = None


def checked_plan(contexts: Sequence[Any] | None = None) -> Plan:
    """The plan to enter, once the configuration passes every check (LifespanConfigurationError if not).

    A plan that passed is kept with everything it was read from, so their ids
    cannot be reused; the next startup reads again only if any of them changed.
    A configuration that failed is read again every time: the fix may be in.
    """
    global _last_passed, _settings_passed
    settings_read = _settings_read(contexts)
    read = _what_is_read(contexts, settings_read)
    key = tuple(map(id, read))
    if _last_passed is not None and _last_passed[0] == key:
        return _last_passed[1]
    # Read once, for the checks and for the plan: the checks report every problem it found,
    # so a plan that passes them has none.
    inspected = inspect_plan(contexts)
    settings_key = tuple(map(id, settings_read))
    if _settings_passed is not None and _settings_passed[0] == settings_key:
        problems = [describe_message(message) for message in plan_errors(inspected[1])]
        if problems:
            raise LifespanConfigurationError(problems)
    else:
        ensure_configured(contexts, inspected)
        _settings_passed = (settings_key, settings_read)
    plan = inspected[0]
    _last_passed = (key, plan, read)
    return plan


def _settings_read(contexts: Sequence[Any] | None) -> list[Any]:
    """What every check but the plan's reads; given ``contexts``, apps' exclusions are not checked."""
    from django.conf import settings

    return [*(getattr(settings, name, None) for name in _READ_SETTINGS), *library_checks(), contexts is None]


def _what_is_read(contexts: Sequence[Any] | None, settings_read: list[Any]) -> list[Any]:
    read: list[Any] = [contexts, *settings_read]
    _read_entries(settings_source(contexts), read)
    if contexts is None:
        for app in shipped_by_apps():
            read.append(app.contexts)
            _read_entries(app.contexts, read)
    read.extend(registered_entries())
    return read


def _read_entries(source: Any, read: list[Any]) -> None:
    if isinstance(source, (list, tuple)):
        for raw in cast("Sequence[Any]", source):
            read.append(raw)
            if isinstance(raw, (list, tuple)):
                read.extend(cast("Sequence[Any]", raw))


def settings_source(contexts: Sequence[Any] | None) -> Any:
    return conf.LIFESPAN_CONTEXTS if contexts is None else contexts


def configured(contexts: Sequence[Any] | None = None) -> Configured:
    """What one startup runs with: the checked plan, the timeouts and the state type's check."""
    plan = checked_plan(contexts)
    return Configured(plan, conf.LIFESPAN_STARTUP_TIMEOUT, conf.LIFESPAN_SHUTDOWN_TIMEOUT, check_state_type)
