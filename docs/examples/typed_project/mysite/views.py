# mysite/views.py: replace the whole file
from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest

from .state import MyState


async def index(request: LifespanHttpRequest[MyState]) -> JsonResponse:
    client = request.state.http_client  # an httpx.AsyncClient, to both checkers
    return JsonResponse({"base_url": str(client.base_url), "closed": client.is_closed})
