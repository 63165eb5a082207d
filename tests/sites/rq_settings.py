"""Settings for real RQ workers: contexts that log, and a database file of the test's own."""

import os

from tests.sites.settings import *

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["WORKER_DB"]}}

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
if os.environ.get("WORKER_FAIL"):
    LIFESPAN_CONTEXTS.append("tests.lifecycle_contexts.refuses_to_start")

# django-rq's `manage.py rqworker`, on the test's Redis.
INSTALLED_APPS = [*INSTALLED_APPS, "django_rq"]
RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://unset")}}
