"""A view that reports what reading request.state raised, and its URLconf."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path


def read_state(request: HttpRequest) -> JsonResponse:
    try:
        keys = sorted(request.state)  # type: ignore[attr-defined]
    except AttributeError as exc:
        return JsonResponse({"error": str(exc), "type": type(exc).__name__})
    return JsonResponse({"keys": keys})


urlpatterns = [path("state/", read_state)]
