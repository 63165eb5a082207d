"""Settings for real task-worker processes: a database of their own, contexts that log."""

import os

import django

from tests.sites.settings import *
from tests.sites.settings import INSTALLED_APPS as BASE_APPS

# Django 6 ships django.tasks; Django 5.2 has the django-tasks backport, an app of its own.
BACKPORT = ["django_tasks"] if django.VERSION < (6, 0) else []
INSTALLED_APPS = [*BASE_APPS, *BACKPORT, "django_tasks_db", "tests.worker_app"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("WORKER_DB", ":memory:"),
        "OPTIONS": {"timeout": 20},
    }
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
if os.environ.get("WORKER_FAIL"):
    LIFESPAN_CONTEXTS.append("tests.lifecycle_contexts.refuses_to_start")
