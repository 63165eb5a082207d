import os

from django.http import HttpRequest, JsonResponse
from django.urls import path


def state_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"keys": sorted(request.state), "pid": os.getpid()})  # type: ignore[attr-defined]


urlpatterns = [path("state/", state_view)]
