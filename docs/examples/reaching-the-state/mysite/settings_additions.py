# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# The catalogue service the client calls.
CATALOGUE_URL = os.environ.get("CATALOGUE_URL", "https://catalogue.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.catalogue_client"]
