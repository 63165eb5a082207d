# mysite/views.py
from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest


def state_keys(request: LifespanHttpRequest) -> JsonResponse:
    # What the other apps' lifespans put in their state is in ours too.
    return JsonResponse({"keys": sorted(request.state)})
