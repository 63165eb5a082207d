from importlib.util import find_spec

from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"

    def ready(self) -> None:
        # --8<-- [start:connect]
        # The lifespan in each process that runs Django Tasks (`manage.py db_worker`).
        if find_spec("django_tasks_db"):
            from django_lifespan_ctx.contrib import django_tasks

            django_tasks.connect()
        # --8<-- [end:connect]
