# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
# djhuey gives `manage.py run_huey`, which imports each app's tasks module.
INSTALLED_APPS += ["huey.contrib.djhuey", "shop"]

HUEY = {
    "huey_class": "huey.SqliteHuey",  # The queue in a SQLite file: no broker to run.
    "name": "shop",
    "filename": str(BASE_DIR / "huey.sqlite3"),
    "immediate": False,  # djhuey's default is DEBUG: tasks would run in the process that enqueues them.
    "consumer": {"workers": 2, "worker_type": "process"},
}

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
