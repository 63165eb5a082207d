"""tests.celery_app, in a main process that ran the lifespan before Celery forks its pool.

The worker's main process enters the contexts as the module is imported (a
project that calls start_in_thread() at import), then forks its prefork
children: each must enter its own lifespan and run tasks on its loop.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import django

django.setup()

from django_lifespan_ctx import current_state, start_in_thread  # noqa: E402
from django_lifespan_ctx.contrib.celery import worker_lifespan  # noqa: E402
from tests.celery_app import app as celery_app  # noqa: E402

# Celery ships no type information.
app: Any = celery_app
start_in_thread()


@app.task(name="tests.pid")
def pid() -> int:
    assert current_state()["logged"] == "value of logged"
    return worker_lifespan().run(asyncio.sleep(0, result=os.getpid()))
