# mysite/settings.py: add at the end
# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# Entered in this order when the server starts, exited in reverse when it stops.
LIFESPAN_CONTEXTS = ["mysite.lifespan.http_client"]
