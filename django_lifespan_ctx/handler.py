"""The ASGI handler projects subclass: Django's, plus the lifespan, request.state and the probes."""

from __future__ import annotations

from django_lifespan_ctx._ops import probes
from django_lifespan_ctx._serving.handler import ServingHandler

__all__ = ["LifespanASGIHandler"]


class LifespanASGIHandler(ServingHandler):
    """Django's ASGI handler, plus the ASGI lifespan protocol, request.state and the probes.

    What [`get_asgi_application()`][django_lifespan_ctx.asgi.get_asgi_application]
    returns. Subclass it to change what Django's handler does; the lifespan comes along.
    """

    # Answered ahead of the middleware: see the Operations page.
    probe_view = staticmethod(probes.probe_view)
    answer_probe = staticmethod(probes.answer)
