# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS.append("catalog")

LIFESPAN_CONTEXTS: list[LifespanEntry] = [
    "catalog.startup_data.genres",  # sync: the ORM as in any sync code
    "catalog.run_log.server_runs",  # async: the async ORM, on startup and on shutdown
]
