# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart. No Huey app: shop/jobs.py makes Huey.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["shop"]

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
