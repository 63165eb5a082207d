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

if KIND == "exception":
    LIFESPAN_CONTEXTS.append("tests.contexts.fails_on_enter")
elif KIND == "system exit":
    LIFESPAN_CONTEXTS.append("tests.broken.contexts.exits_the_process")
elif KIND == "module raises at import":
    LIFESPAN_CONTEXTS.append("tests.broken.raises_at_import.context")
elif KIND == "bad timeout":
    LIFESPAN_STARTUP_TIMEOUT = "soon"
elif KIND == "bad lazy startup":
    LIFESPAN_LAZY_STARTUP = "yes"
elif KIND == "mapping breaks on merge":
    LIFESPAN_CONTEXTS.append("tests.broken.contexts.yields_a_treacherous_mapping")
elif KIND == "exit raises":
    LIFESPAN_CONTEXTS.append("tests.contexts.fails_on_exit")
elif KIND == "exit raises system exit":
    LIFESPAN_CONTEXTS.append("tests.broken.contexts.system_exit_on_exit")
elif KIND == "startup log line":
    LOGGING["filters"] = {"broken": {"()": RaiseOnStartupLine}}
    LOGGING["loggers"]["django_lifespan_ctx"]["filters"] = ["broken"]
else:
    raise AssertionError(f"unknown FAILURE_KIND {KIND!r}")
