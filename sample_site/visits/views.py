from collections import Counter

from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from django_lifespan_ctx import current_state


async def visits(request: HttpRequest) -> HttpResponse:
    # The app reads its own key; it needs no view of the project's state type.
    counter: Counter[str] = current_state()["visit_counter"]
    counter[request.path] += 1
    return HttpResponse(
        format_html(
            "<!doctype html><title>Visits</title><h1>Visits</h1>"
            "<p>This page was served {} times since the server started. The counter comes "
            "from a context the <code>visits</code> app ships in its AppConfig's "
            "<code>lifespan_contexts</code>: the project's settings do not list it.</p>"
            '<p><a href="/">Back</a></p>',
            counter[request.path],
        )
    )
