"""The sample's Celery app: `celery -A sample_site worker` runs the lifespan in each process.

Needs the `celery` extra; `make demo` never imports this module. The broker is
kombu's filesystem transport, so the sample needs no broker server.
"""

import os
import tempfile
from pathlib import Path

from celery import Celery  # type: ignore[import-untyped]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sample_site.settings")

FOLDER = Path(os.environ.get("SAMPLE_CELERY_FOLDER", Path(tempfile.gettempdir()) / "sample-site-celery"))
for part in ("queue", "control", "results"):
    (FOLDER / part).mkdir(parents=True, exist_ok=True)

app = Celery("sample_site")
app.conf.update(
    broker_url="filesystem://",
    broker_transport_options={
        "data_folder_in": str(FOLDER / "queue"),
        "data_folder_out": str(FOLDER / "queue"),
        "control_folder": str(FOLDER / "control"),
    },
    broker_connection_retry_on_startup=True,
    result_backend=f"file://{FOLDER / 'results'}",
)
app.autodiscover_tasks()

# --8<-- [start:connect]
from django_lifespan_ctx.contrib import celery as lifespan_celery  # noqa: E402

# Each worker process enters LIFESPAN_CONTEXTS once, and exits them when it stops.
lifespan_celery.connect()
# --8<-- [end:connect]
