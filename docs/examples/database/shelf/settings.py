"""The database page's example project: SQLite by default, PostgreSQL when the environment says so."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "database-example-only"
DEBUG = True
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django_lifespan_ctx", "catalog"]
ROOT_URLCONF = "shelf.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if os.environ.get("EXAMPLE_POSTGRES_HOST"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("EXAMPLE_POSTGRES_NAME", "postgres"),
            "USER": "postgres",
            "HOST": os.environ["EXAMPLE_POSTGRES_HOST"],
            "PORT": os.environ["EXAMPLE_POSTGRES_PORT"],
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("EXAMPLE_SQLITE_NAME", BASE_DIR / "db.sqlite3"),
        }
    }

# --8<-- [start:contexts]
LIFESPAN_CONTEXTS = [
    "catalog.startup_data.genres",  # sync: the ORM as in any sync code
    "catalog.run_log.server_runs",  # async: the async ORM, on startup and on shutdown
]
# --8<-- [end:contexts]
