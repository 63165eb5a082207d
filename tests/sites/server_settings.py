"""Settings for the tests that run a real server process."""

from tests.sites.settings import *

LIFESPAN_CONTEXTS = [
    "tests.contexts.alpha",
    ("tests.contexts.slow_one", "tests.contexts.slow_two", "tests.contexts.with_task_group"),
    "tests.contexts.sync_context",
    "tests.contexts.resource",
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django_lifespan_ctx": {"handlers": ["stderr"], "level": "DEBUG", "propagate": False}},
}
