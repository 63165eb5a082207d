# reviews/views.py
from django.http import JsonResponse

from django_lifespan_ctx import LifespanHttpRequest, current_state

from .keys import REVIEWS_CLIENT


async def stars(request: LifespanHttpRequest, title: str) -> JsonResponse:
    client = request.state[REVIEWS_CLIENT]  # A ReviewsClient to mypy and pyright.
    return JsonResponse({"title": title, "stars": client.stars(title), "open": client_is_open()})


def client_is_open() -> bool:
    # Anywhere a lifespan runs, typed the same way: a request, a command, a worker, a test.
    return current_state()[REVIEWS_CLIENT].ping()
