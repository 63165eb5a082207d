# shop/apps.py: replace the whole file
from django.apps import AppConfig


class ShopConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "shop"

    def ready(self):
        # Each process that runs tasks enters the lifespan before its first task.
        # Imported here, once the apps are loaded: it connects to the Tasks signals.
        from django_lifespan_ctx.contrib import django_tasks

        django_tasks.connect()
