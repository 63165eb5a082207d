# library/views.py: replace the whole file
from django.apps import apps
from django.http import JsonResponse


async def client_status(request):
    client = apps.get_app_config("library").httpx_client
    return JsonResponse(
        {
            "client": type(client).__name__,
            "closed": client.is_closed,
            "in_state": request.state.httpx_client is client,
        }
    )
