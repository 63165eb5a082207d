"""An RQ worker class whose module runs the lifespan in the worker process before any horse is forked."""

from __future__ import annotations

import django

django.setup()

from django_lifespan_ctx import start_in_thread  # noqa: E402
from django_lifespan_ctx.contrib.rq import LifespanWorker  # noqa: E402

__all__ = ["RanALifespan"]

start_in_thread()


class RanALifespan(LifespanWorker):
    """The forking LifespanWorker, in a process whose lifespan already runs."""
