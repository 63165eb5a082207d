# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["shop"]

# The API that views, consumers, commands and scripts call, through the lifespan's client.
SHOP_API_URL = os.environ.get("SHOP_API_URL", "https://api.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["shop.lifespan.api_client"]

# Show the shop's INFO lines (the client opened, then closed) in each process's output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"shop": {"handlers": ["console"], "level": "INFO"}},
}
