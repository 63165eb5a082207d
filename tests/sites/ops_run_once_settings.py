"""A run-once scheduler in every worker: on PostgreSQL with LIFESPAN_TEST_ON_POSTGRES, else a file lock."""

import os

from django_lifespan_ctx.contexts import run_once
from tests.sites.server_settings import *

ROOT_URLCONF = "tests.sites.ops_urls"
if os.environ.get("LIFESPAN_TEST_ON_POSTGRES"):
    # libpq reads the PG* variables that tests.postgres gives the process.
    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "postgres"}}
LIFESPAN_RUN_ONCE_LOCK_DIR = os.environ.get("LIFESPAN_TEST_LOCK_DIR")
LIFESPAN_RUN_ONCE_INTERVAL = 0.2
LIFESPAN_CONTEXTS = [
    "tests.ops_contexts.database",
    run_once("tests.ops_contexts.scheduler", key=os.environ.get("LIFESPAN_TEST_RUN_ONCE_KEY", "scheduler")),
]
