from typing import Any

from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class FussyConfig(AppConfig):
    name = "tests.shipping_apps.fussy"

    @property
    def lifespan_contexts(self) -> list[Any]:
        raise ImproperlyConfigured("FUSSY_URL must be an https:// URL")
