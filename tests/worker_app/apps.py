import os

from django.apps import AppConfig

QUEUE_ENV = "WORKER_QUEUE"


class WorkerAppConfig(AppConfig):
    """Connects the integration a test's worker process runs, as a project's AppConfig would."""

    name = "tests.worker_app"

    def ready(self) -> None:
        if os.environ.get(QUEUE_ENV) == "django_tasks":
            # --8<-- [start:django_tasks_connect]
            from django_lifespan_ctx.contrib import django_tasks

            django_tasks.connect()
            # --8<-- [end:django_tasks_connect]
