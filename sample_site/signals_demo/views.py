from typing import cast

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from .handlers import HTTPXAppConfig


async def client_status(request: HttpRequest) -> HttpResponse:
    config = cast(HTTPXAppConfig, apps.get_app_config("signals_demo"))
    client = config.httpx_client
    return HttpResponse(
        format_html(
            "<!doctype html><title>Signals</title><h1>Raw signals</h1>"
            "<p>The <code>signals_demo</code> app config holds an <code>{}</code> "
            "(closed: {}), opened by an <code>asgi_startup</code> receiver.</p>"
            '<p><a href="/">Back</a></p>',
            type(client).__name__,
            client.is_closed,
        )
    )
