# mysite/views.py
from django.http import JsonResponse


async def books(request):
    # books_api was built from the http_client the group yielded before it.
    return JsonResponse(await request.state.books_api.list_books())
