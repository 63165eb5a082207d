"""The ASGI handler projects subclass: Django's, plus the lifespan, request.state and the probes."""

from __future__ import annotations

from typing import Any

from django_lifespan_ctx._ops.probe_paths import probe_view
from django_lifespan_ctx._serving.handler import ServingHandler

__all__ = ["LifespanASGIHandler"]


async def _answer_probe(handler: Any, view: Any, scope: Any, receive: Any, send: Any) -> None:
    # Imported on the first probe: answering one needs the health checks, readiness and
    # the plan, which importing the handler (every project's asgi.py) must not cost.
    from django_lifespan_ctx._ops.probes import answer

    await answer(handler, view, scope, receive, send)


class LifespanASGIHandler(ServingHandler):
    """Django's ASGI handler, plus the ASGI lifespan protocol, request.state and the probes.

    What [`get_asgi_application()`][django_lifespan_ctx.asgi.get_asgi_application]
    returns. Subclass it to change what Django's handler does; the lifespan comes along.
    """

    # Answered ahead of the middleware: see the Operations page.
    probe_view = staticmethod(probe_view)
    answer_probe = staticmethod(_answer_probe)
