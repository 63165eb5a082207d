"""A Celery app on kombu's filesystem transport: a real broker with no server.

The worker imports it with CELERY_FOLDER set; the test builds its own app
over the same folder with make_app() to send tasks and read results.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from celery import Celery

from django_lifespan_ctx import current_state
from django_lifespan_ctx.contrib import celery as lifespan_celery

FOLDER_ENV = "CELERY_FOLDER"


def make_app(folder: Path) -> Celery:
    queue, control, results = folder / "queue", folder / "control", folder / "results"
    for path in (queue, control, results):
        path.mkdir(parents=True, exist_ok=True)
    app = Celery("tests.celery_app", set_as_current=False)
    app.conf.update(
        broker_url="filesystem://",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            # Relative by default: everything must stay in the test's folder.
            "control_folder": str(control),
            "polling_interval": 0.05,
        },
        broker_connection_retry_on_startup=True,
        result_backend=f"file://{results}",
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        # A child that is not up in 4 s (the default) is killed: on a loaded
        # machine, importing Django and entering the contexts can take longer.
        worker_proc_alive_timeout=30,
    )
    return app


if FOLDER_ENV in os.environ:
    app = make_app(Path(os.environ[FOLDER_ENV]))
    # --8<-- [start:connect]
    lifespan_celery.connect()
    # --8<-- [end:connect]

    @app.task(name="tests.fetch")
    def fetch(path: str) -> dict[str, Any]:
        worker = lifespan_celery.worker_lifespan()
        state = current_state()
        # The client belongs to the lifespan's loop: run the request there.
        response = worker.run(state.http_client.get(path))
        return {
            "pid": os.getpid(),
            "client": id(state.http_client),
            "same_state": state is worker.state,
            "keys": sorted(state),
            "status": response.status_code,
            "body": response.text,
            "thread": threading.current_thread().name,
        }
