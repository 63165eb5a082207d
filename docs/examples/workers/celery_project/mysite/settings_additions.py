# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["shop"]

# Celery reads the settings named CELERY_... (see mysite/celery.py): here, its broker.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://localhost:6379/0")

# The API the tasks call, through one client per worker process.
SHOP_API_URL = os.environ.get("SHOP_API_URL", "https://api.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["shop.lifespan.api_client"]
