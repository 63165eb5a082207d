"""Settings that fail startup in the way FAILURE_KIND names: one server test per kind."""

import logging
import os

from tests.sites.settings import *

KIND = os.environ["FAILURE_KIND"]
LIFESPAN_CONTEXTS = ["tests.contexts.alpha", "tests.contexts.beta"]


class RaiseOnStartupLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Lifespan startup complete"):
            raise RuntimeError("the log handler broke")
        return True


LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django_lifespan_ctx": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}

# The kinds that fail in a context of their own, added after the two that work.
FAILING_CONTEXT = {
    "exception": "tests.contexts.fails_on_enter",
    "system exit": "tests.broken.contexts.exits_the_process",
    "module raises at import": "tests.broken.raises_at_import.context",
    "mapping breaks on merge": "tests.broken.contexts.yields_a_treacherous_mapping",
    "exit raises": "tests.contexts.fails_on_exit",
    "exit raises system exit": "tests.broken.contexts.system_exit_on_exit",
}

if KIND in FAILING_CONTEXT:
    LIFESPAN_CONTEXTS.append(FAILING_CONTEXT[KIND])
elif KIND == "bad timeout":
    LIFESPAN_STARTUP_TIMEOUT = "soon"
elif KIND == "bad lazy startup":
    LIFESPAN_LAZY_STARTUP = "yes"
elif KIND == "startup log line":
    LOGGING["filters"] = {"broken": {"()": RaiseOnStartupLine}}
    LOGGING["loggers"]["django_lifespan_ctx"]["filters"] = ["broken"]
else:
    raise AssertionError(f"unknown FAILURE_KIND {KIND!r}")
