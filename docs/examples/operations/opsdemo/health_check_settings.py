"""The demo's settings, with django-health-check's view at ht/ (opsdemo/health_check_urls.py)."""

from opsdemo.settings import *  # noqa: F403

# --8<-- [start:apps]
INSTALLED_APPS = [
    "django_lifespan_ctx",
    "health_check",  # Ships the template of its HTML view.
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
# --8<-- [end:apps]
ROOT_URLCONF = "opsdemo.health_check_urls"
