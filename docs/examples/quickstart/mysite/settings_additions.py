# mysite/settings.py: add at the end
INSTALLED_APPS += ["django_lifespan_ctx"]

# Entered in this order when the server starts, exited in reverse when it stops.
LIFESPAN_CONTEXTS = ["mysite.lifespan.http_client"]
