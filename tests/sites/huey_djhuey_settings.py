"""`manage.py run_huey` through huey.contrib.djhuey, with the recipe's catalog app."""

import os

from tests.sites.huey_settings import *
from tests.sites.settings import INSTALLED_APPS as BASE_APPS

INSTALLED_APPS = [*BASE_APPS, "huey.contrib.djhuey", "catalog"]
# --8<-- [start:huey_setting]
HUEY = {
    "huey_class": "huey.SqliteHuey",
    "name": "catalog",
    "filename": os.environ.get("HUEY_DB", "catalog-tasks.sqlite3"),
    "immediate": False,  # djhuey's default is DEBUG: tasks would run in the web process.
    "consumer": {"workers": 2, "worker_type": "process"},
}
# --8<-- [end:huey_setting]
