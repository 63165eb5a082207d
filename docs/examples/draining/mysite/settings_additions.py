# mysite/settings.py: add at the end
# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# On SIGTERM: readyz/ answers 503 at once, requests are served for 5 more seconds, then the
# server stops as it always does. The default, 0, stops at once.
LIFESPAN_DRAIN_SECONDS = 5
