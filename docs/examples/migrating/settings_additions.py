# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# Each register_lifespan_manager(context_manager=...) call that ready() made, in that order.
LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.httpx_lifespan_manager"]
