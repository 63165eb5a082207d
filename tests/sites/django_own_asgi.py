"""The wrong asgi.py: Django's own handler, which knows no lifespan."""

from django.core.asgi import get_asgi_application

application = get_asgi_application()
