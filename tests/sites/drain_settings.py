"""Settings for the drain tests' real servers."""

import os

from tests.sites.settings import *

ROOT_URLCONF = "tests.sites.drain_urls"
LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged"]
# --8<-- [start:setting]
LIFESPAN_DRAIN_SECONDS = 5  # default 0: stop at once, as before
# --8<-- [end:setting]
LIFESPAN_DRAIN_SECONDS = float(os.environ.get("DRAIN_SECONDS", LIFESPAN_DRAIN_SECONDS))
LIFESPAN_LAZY_STARTUP = bool(os.environ.get("LAZY_STARTUP"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django_lifespan_ctx": {"handlers": ["stderr"], "level": "INFO", "propagate": False}},
}
# For our runserver: the same router as the other servers, WebSockets included.
ASGI_APPLICATION = "tests.sites.drain_asgi.application"
