# catalog/run_log.py
from contextlib import asynccontextmanager

from asgiref.sync import sync_to_async
from catalog.models import ServerRun
from django.db import connections
from django.utils import timezone


@asynccontextmanager
async def server_runs():
    run = await ServerRun.objects.acreate()
    await close_connections()
    yield {"server_run": run}
    run.stopped_at = timezone.now()
    await run.asave(update_fields=["stopped_at"])
    await close_connections()


@sync_to_async
def close_connections():
    # The async ORM runs its queries in asgiref's shared thread. Django closes a
    # request's connections when the request ends; these belong to no request.
    connections.close_all()
