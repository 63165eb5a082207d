from typing import Any

from django.apps import AppConfig
from django.conf import settings


class ForgetfulConfig(AppConfig):
    name = "tests.shipping_apps.forgetful"

    @property
    def lifespan_contexts(self) -> list[Any]:
        # Raises AttributeError when the project has not set FORGETFUL_CLIENTS: hasattr()
        # would take that for "ships nothing" and drop the app's contexts in silence.
        return list(settings.FORGETFUL_CLIENTS)
