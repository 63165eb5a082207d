"""Settings for real Huey consumers: contexts that log, a database file of their own."""

import os

from tests.sites.settings import *

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        # A file: SQLite never closes in-memory connections, and closing them is under test.
        "NAME": os.environ.get("HUEY_DJANGO_DB", ":memory:"),
    }
}
LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
if os.environ.get("HUEY_FAIL"):
    LIFESPAN_CONTEXTS.append("tests.lifecycle_contexts.refuses_to_start")
