from django.http import HttpResponse
from django.utils.html import format_html

from django_lifespan_ctx import LifespanHttpRequest

from .keys import VISIT_COUNTER


async def visits(request: LifespanHttpRequest) -> HttpResponse:
    # The app reads its own typed key: a VisitCounter to type checkers, with no project state type.
    served = request.state[VISIT_COUNTER].add(request.path)
    return HttpResponse(
        format_html(
            "<!doctype html><title>Visits</title><h1>Visits</h1>"
            "<p>This page was served {} times since the server started. The counter comes "
            "from a context the <code>visits</code> app ships in its AppConfig's "
            "<code>lifespan_contexts</code>: the project's settings do not list it.</p>"
            '<p><a href="/">Back</a></p>',
            served,
        )
    )
