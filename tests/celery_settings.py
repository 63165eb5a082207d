"""Settings for the real Celery worker: the shared client, and contexts that log."""

from tests.settings import *

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
