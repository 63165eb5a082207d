"""A small project served by `manage.py runserver`: ours listed before staticfiles."""

from pathlib import Path

SECRET_KEY = "tests-only-not-secret"
DEBUG = True
ALLOWED_HOSTS = ["*"]
USE_TZ = True
INSTALLED_APPS = ["django_lifespan_ctx", "django.contrib.staticfiles"]
ROOT_URLCONF = "site_urls"
DATABASES: dict[str, object] = {}
MIDDLEWARE: list[str] = []
STATIC_URL = "static/"
STATICFILES_DIRS = [Path(__file__).resolve().parent / "static_src"]
LIFESPAN_CONTEXTS = ["site_contexts.logged"]
