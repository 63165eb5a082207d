# books/views.py: replace the whole file
from django.http import JsonResponse


async def count(request):
    response = await request.state.books_client.get("/books/")
    return JsonResponse({"count": len(response.json())})


def client_kind(request):
    client = request.state["books_client"]
    return JsonResponse({"kind": type(client).__name__, "closed": client.is_closed})
