"""Settings for real Dramatiq workers: the contexts that log."""

import os

from tests.sites.settings import *

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
if os.environ.get("WORKER_FAIL"):
    LIFESPAN_CONTEXTS.append("tests.lifecycle_contexts.refuses_to_start")
