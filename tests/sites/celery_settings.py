"""Settings for the real Celery worker: the shared client, and contexts that log.

With CELERY_FAIL set, a last context refuses to start (an index that is down).
"""

import os

from tests.sites.settings import *

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
if os.environ.get("CELERY_FAIL"):
    LIFESPAN_CONTEXTS.append("tests.lifecycle_contexts.refuses_to_start")
