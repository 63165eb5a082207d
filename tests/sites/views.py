from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


def _describe(request: Any) -> dict[str, Any]:
    state = request.state
    return {
        "keys": sorted(state),
        "values": {key: repr(state[key]) for key in state},
        "ids": {key: id(state[key]) for key in state},
    }


async def state_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_describe(request))


def sync_state_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(_describe(request))


async def write_view(request: Any) -> JsonResponse:
    before = sorted(request.state)
    request.state["written_item"] = 1
    request.state.written_attribute = 2
    return JsonResponse({"before": before, "after": sorted(request.state)})


async def missing_view(request: Any) -> JsonResponse:
    errors = {}
    try:
        request.state["missing"]
    except KeyError as exc:
        errors["item"] = str(exc)
    try:
        request.state.missing  # noqa: B018
    except AttributeError as exc:
        errors["attribute"] = str(exc)
    return JsonResponse(errors)


async def client_view(request: Any) -> JsonResponse:
    client = request.state.client
    return JsonResponse({"id": id(client), "closed": client.is_closed})
