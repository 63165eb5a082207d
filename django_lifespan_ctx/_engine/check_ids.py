"""Every system check id the library reports: the one table.

At the bottom of the house so that each layer names its ids from here: the plan's
problems (engine), the settings' checks (configuration) and the operations' checks.
An id is never reused; docs/settings.md lists each one (tests/docs/test_docs.py).
"""

from __future__ import annotations

PREFIX = "django_lifespan_ctx"

# The plan: LIFESPAN_CONTEXTS, apps' lifespan_contexts and their entries.
CONTEXTS_NOT_A_LIST = "E001"
ENTRY_OF_UNKNOWN_KIND = "E002"
PATH_DOES_NOT_IMPORT = "E003"
INSTANCE_NOT_FACTORY = "E004"
EMPTY_GROUP = "E005"
LISTED_TWICE = "E006"
NESTED_GROUP = "E007"
TOO_MANY_POSITIONAL_ARGUMENTS = "E008"
ASYNC_GENERATOR_UNDECORATED = "E012"
GENERATOR_UNDECORATED = "E013"
PLAIN_COROUTINE_FUNCTION = "E014"
KEYWORD_ONLY_ARGUMENT = "E015"
SERVICE_NAME_TWICE = "E019"
APP_CONTEXTS_UNREADABLE = "E023"

# The settings.
STARTUP_TIMEOUT = "E009"
SHUTDOWN_TIMEOUT = "E010"
LAZY_STARTUP = "E011"
EXCLUDE_APPS_TYPE = "E016"
EXCLUDE_APPS_UNKNOWN = "W017"
DRAIN_SECONDS = "E018"
DRAIN_SIGNALS = "E024"
RUNSERVER_WITHOUT_UVICORN = "W030"
RUNSERVER_AFTER_STATICFILES = "W031"

# LIFESPAN_STATE_TYPE.
STATE_TYPE_NOT_A_PATH = "E020"
STATE_TYPE_DOES_NOT_IMPORT = "E021"
STATE_TYPE_OF_UNKNOWN_KIND = "E022"
STATE_TYPE_ONLY_FOR_TYPE_CHECKERS = "W020"

# Operations.
HEALTH_CHECKS = "E040"
HEALTH_TIMEOUT = "E041"
OPENTELEMETRY = "E042"
OPENTELEMETRY_MISSING = "E043"
RUN_ONCE_INTERVAL = "E044"
PROBE_DETAILS = "E045"
PROBE_TOKEN = "E046"

ALL = {value: name for name, value in dict(globals()).items() if name.isupper() and name != "PREFIX"}


def full(check_id: str) -> str:
    """The id as Django shows it, ``django_lifespan_ctx.E001``."""
    return f"{PREFIX}.{check_id}"
