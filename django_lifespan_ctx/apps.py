from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class LifespanCtxConfig(AppConfig):
    name = "django_lifespan_ctx"
    verbose_name = "Lifespan contexts"

    def ready(self) -> None:
        from .checks import check_settings

        checks.register(check_settings)
