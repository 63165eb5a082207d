from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"

    def ready(self) -> None:
        # `manage.py run_huey` runs djhuey's HUEY, made from settings.HUEY.
        from huey.contrib.djhuey import HUEY

        from django_lifespan_ctx.contrib import huey

        huey.connect(HUEY)
