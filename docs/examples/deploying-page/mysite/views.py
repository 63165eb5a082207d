# mysite/views.py
from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest


def index(request: LifespanHttpRequest) -> JsonResponse:
    return JsonResponse({"worker_pid": request.state["worker_pid"]})
