from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

LOGGER = "django_lifespan_ctx"


class LifespanCtxConfig(AppConfig):
    name = "django_lifespan_ctx"
    verbose_name = "Lifespan contexts"

    def ready(self) -> None:
        from django_lifespan_ctx._config.checks import check_runserver, check_settings
        from django_lifespan_ctx._config.statetype import check_state_type_setting
        from django_lifespan_ctx._engine import observers as events
        from django_lifespan_ctx._ops.checks import check_operations
        from django_lifespan_ctx._ops.readiness import tracker
        from django_lifespan_ctx._ops.telemetry import telemetry

        checks.register(check_settings)
        checks.register(check_runserver)
        checks.register(check_operations)
        checks.register(check_state_type_setting)
        # Observers for readyz/ and OpenTelemetry; both cost nothing until a lifespan runs.
        events.add_observer(tracker)
        events.add_observer(telemetry)
        # request.state on a request our handler did not serve: an error that says why.
        from django_lifespan_ctx._serving.state.missing import install_state_hint

        install_state_hint()
        if settings.DEBUG and not settings.LOGGING:
            show_the_lifespan_in_development()


def show_the_lifespan_in_development() -> None:
    """Print the startup and shutdown lines under every server, as runserver does.

    Only with DEBUG and no LOGGING of the project's own: a project that configures
    logging, and every production settings file, sees nothing new. Without it,
    Python's last-resort handler shows warnings only, so under uvicorn nothing
    would say that the contexts were entered or closed.
    """
    logger = logging.getLogger(LOGGER)
    if logger.handlers or logger.level != logging.NOTSET:
        return  # Configured already, by code rather than LOGGING.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)-8s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # Printed once: a server that gives the root logger a handler (daphne) would print it again.
    logger.propagate = False
