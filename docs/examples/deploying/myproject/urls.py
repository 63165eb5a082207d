from django.http import HttpRequest, JsonResponse
from django.urls import path


def index(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"worker_pid": request.state.worker_pid})  # type: ignore[attr-defined]


urlpatterns = [path("", index)]
