# shop/apps.py: replace the whole file
from django.apps import AppConfig


class ShopConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shop"

    def ready(self):
        # Each worker process enters the lifespan when it starts, and exits it when it stops.
        from huey.contrib.djhuey import HUEY

        from django_lifespan_ctx.contrib import huey

        huey.connect(HUEY)
