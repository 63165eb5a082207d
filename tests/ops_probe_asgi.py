"""The ASGI app for the probe-host tests: the handler, serving probes ahead of the middleware.

The subclass applies the hook proposed for handler.py, at the same point (where the
handler calls handle()); once LifespanASGIHandler calls probes.answer() itself, the
override never sees a probe and this module is plain get_asgi_application().
"""

from __future__ import annotations

from typing import Any

import django

from django_lifespan_ctx import probes
from django_lifespan_ctx.handler import LifespanASGIHandler


class ProbesFirst(LifespanASGIHandler):
    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        view = probes.probe_view(scope)
        if view is None:
            await super().handle(scope, receive, send)
        else:
            await probes.answer(self, view, scope, receive, send)


django.setup(set_prefix=False)
application = ProbesFirst()
