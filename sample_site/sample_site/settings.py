"""Settings for the sample site: a library that reads books from an "external" API."""

import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import django

from django_lifespan_ctx.contexts import every

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "sample-site-only-never-use-in-production"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    # First, so `manage.py runserver` is ours (staticfiles also overrides runserver).
    "django_lifespan_ctx",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "library",
    "signals_demo",
    "visits",  # ships its own lifespan context (visits/apps.py)
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "sample_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("SAMPLE_DB", BASE_DIR / "db.sqlite3"),
    }
}

# --8<-- [start:tasks]
# Django's Tasks, when django-tasks-db is installed (and, on Django 5.2, the
# django-tasks backport): `manage.py migrate`, then `manage.py db_worker` runs
# library/jobs.py's task inside the lifespan (library/apps.py connects it).
if find_spec("django_tasks_db"):
    INSTALLED_APPS += [*(["django_tasks"] if django.VERSION < (6, 0) else []), "django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# --8<-- [end:tasks]
STATIC_URL = "static/"
USE_TZ = True

# --8<-- [start:contexts]
# Opened when the server starts, closed when it stops; views read request.state.
LIFESPAN_CONTEXTS: list[Any] = [
    "library.lifespan.catalogue",  # a sync context manager
    ["library.lifespan.httpx_client", "library.lifespan.cover_cache"],  # a group: entered together
    "library.lifespan.books_api",  # builds on the httpx_client yielded before it
]
# --8<-- [end:contexts]

# --8<-- [start:services]
# A cache, and a background service that refreshes it every 5 seconds (docs/services.md).
LIFESPAN_CONTEXTS += [
    "library.featured.featured_cache",
    every(5, "library.featured.refresh_featured", name="featured-book"),
]
# --8<-- [end:services]

# --8<-- [start:state_type]
# What views type request.state as; startup fails unless the contexts yield it.
LIFESPAN_STATE_TYPE = "library.state.LibraryState"
# --8<-- [end:state_type]

# The "external" books API. The sample serves it itself, so the demo works
# offline: this is the sample site's own address. `make demo DEMO_PORT=8001`
# sets it to match; serving the site by hand on another port, set it yourself.
BOOKS_API_URL = os.environ.get("BOOKS_API_URL", "http://127.0.0.1:8000/api/")

# --8<-- [start:logging]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)-8s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django_lifespan_ctx": {
            "handlers": ["console"],
            # DEBUG: a line as each context is entered and exited. INFO: one line per phase.
            "level": "DEBUG",
            # This handler prints each line once. Without this, the root logger's
            # handler prints it again where a server configures one (daphne does).
            "propagate": False,
        },
        # The visits app's own context says when its counter opens and closes.
        "visits": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
# --8<-- [end:logging]
