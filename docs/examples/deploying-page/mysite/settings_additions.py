# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

# In production: no debug pages, and the host names the site answers to.
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.worker_info"]
