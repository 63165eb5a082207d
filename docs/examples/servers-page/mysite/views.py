# mysite/views.py
from django.http import HttpRequest, JsonResponse


def state_keys(request: HttpRequest) -> JsonResponse:
    # What the other apps' lifespans put in their state is in ours too.
    return JsonResponse({"keys": sorted(request.state)})
