# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# Entered in this order when the server starts, exited in reverse when it stops.
# Annotated, so that entries of every kind (groups, services) type-check when added later.
LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.http_client"]
