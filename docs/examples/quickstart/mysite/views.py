# mysite/views.py
from django.http import JsonResponse


async def index(request):
    client = request.state["http_client"]  # the one client, shared by every request
    # A real view would now `await client.get("/books/")`.
    return JsonResponse({"base_url": str(client.base_url), "closed": client.is_closed})
