from __future__ import annotations

from django.apps import AppConfig
from django.core import checks


class LifespanCtxConfig(AppConfig):
    name = "django_lifespan_ctx"
    verbose_name = "Lifespan contexts"

    def ready(self) -> None:
        from ._engine import observers as events
        from .checks import check_settings
        from .operations_checks import check_operations
        from .readiness import tracker
        from .statetype import check_state_type_setting
        from .telemetry import telemetry

        checks.register(check_settings)
        checks.register(check_operations)
        checks.register(check_state_type_setting)
        # Observers for readyz/ and OpenTelemetry; both cost nothing until a lifespan runs.
        events.add_observer(tracker)
        events.add_observer(telemetry)
        # request.state on a request our handler did not serve: an error that says why.
        from .hints import install_state_hint

        install_state_hint()
