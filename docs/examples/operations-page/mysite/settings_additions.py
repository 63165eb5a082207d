# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry
from django_lifespan_ctx.contexts import run_once

INSTALLED_APPS.insert(0, "django_lifespan_ctx")

LIFESPAN_CONTEXTS: list[LifespanEntry] = [
    "mysite.lifespan.http_client",
    # One process in the deployment runs the scheduler; the others stand by.
    run_once("mysite.lifespan.scheduler", key="mysite-scheduler"),
]
LIFESPAN_HEALTH_CHECKS = {
    "http": "mysite.health.http_client_open",
    "fine": "mysite.health.always_fine",
}
LIFESPAN_HEALTH_TIMEOUT = 2  # seconds, for each check
LIFESPAN_RUN_ONCE_INTERVAL = 5  # seconds between tries for the lock
LIFESPAN_OPENTELEMETRY = True  # spans for startup and shutdown; needs the otel extra
