"""Views that read typed keys from request.state, for the override tests."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

from django_lifespan_ctx import LifespanHttpRequest, current_state
from tests.shipping_apps.mailer.resources import CLIENT


def sync_view(request: LifespanHttpRequest) -> HttpResponse:
    client = request.state[CLIENT]
    return HttpResponse(f"{type(client).__name__} {client.ping()}")


async def async_view(request: LifespanHttpRequest) -> HttpResponse:
    client = current_state()[CLIENT]
    return HttpResponse(f"{type(client).__name__} {client.ping()}")


urlpatterns = [path("sync/", sync_view), path("async/", async_view)]
