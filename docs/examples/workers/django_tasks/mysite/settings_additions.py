# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
# The Tasks framework (on Django 6.0 it is built in: leave out "django_tasks"),
# the database backend and its `db_worker`, and the app that holds the tasks.
INSTALLED_APPS += ["django_tasks", "django_tasks_db", "shop"]

# Tasks are stored in the project's database until a worker runs them.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The API the tasks call, through one client per worker process.
SHOP_API_URL = os.environ.get("SHOP_API_URL", "https://api.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["shop.lifespan.api_client"]

# Show the shop's INFO lines (the client opened, then closed) in the worker's output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"shop": {"handlers": ["console"], "level": "INFO"}},
}
