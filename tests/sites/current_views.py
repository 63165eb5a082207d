"""Views that read current_state(), deep in code that was passed no request."""

from __future__ import annotations

import threading

from django.http import HttpRequest, JsonResponse

from django_lifespan_ctx import current_state


def service_layer(written_in: str) -> dict[str, object]:
    state = current_state()
    state[f"written_in_{written_in}"] = threading.current_thread().name
    return {"keys": sorted(state), "thread": threading.current_thread().name}


def report(request: HttpRequest, found: dict[str, object], written_in: str) -> JsonResponse:
    state = request.state  # type: ignore[attr-defined]
    return JsonResponse(
        {
            **found,
            "same_object": current_state() is state,
            "write_seen_by_request_state": f"written_in_{written_in}" in state,
        }
    )


def sync_view(request: HttpRequest) -> JsonResponse:
    # Django runs a sync view in a thread through asgiref, which carries the
    # context variables there.
    return report(request, service_layer("sync"), "sync")


async def async_view(request: HttpRequest) -> JsonResponse:
    return report(request, service_layer("async"), "async")
