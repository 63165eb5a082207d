# mysite/settings.py: add at the end
import os

from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles, as in the quickstart; then the app startapp made.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["books"]

# The books API the client calls. The tests below never call it: they replace the client.
BOOKS_API_URL = os.environ.get("BOOKS_API_URL", "https://books.example.com")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["books.lifespan.books_client"]
