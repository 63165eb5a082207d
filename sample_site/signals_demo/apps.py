import httpx
from django.apps import AppConfig

from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup

from .handlers import ASGILifespanSignalHandler


class SignalsDemoConfig(AppConfig):
    name = "signals_demo"
    httpx_client: httpx.AsyncClient

    def ready(self) -> None:
        handler = ASGILifespanSignalHandler(app_config=self)
        asgi_startup.connect(handler.startup, weak=False)
        asgi_shutdown.connect(handler.shutdown, weak=False)
