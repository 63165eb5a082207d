# library/apps.py: replace the whole file
from django.apps import AppConfig

from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup

from .handlers import ASGILifespanSignalHandler


class LibraryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "library"

    def ready(self):
        handler = ASGILifespanSignalHandler(app_config=self)
        # weak=False: the handler is referenced nowhere else, and must outlive ready().
        asgi_startup.connect(handler.startup, weak=False)
        asgi_shutdown.connect(handler.shutdown, weak=False)
