# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart. No RQ app: rq worker is the command.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["shop"]

# The Redis that shop/jobs.py enqueues on; give `rq worker --url` the same.
REDIS_URL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")

# The API the jobs call, through the worker lifespan's client.
SHOP_API_URL = os.environ.get("SHOP_API_URL", "https://api.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["shop.lifespan.api_client"]

# Show the shop's INFO lines (the client opened, then closed) in the worker's output.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"shop": {"handlers": ["console"], "level": "INFO"}},
}
