from django_lifespan_ctx.contexts import run_once

SECRET_KEY = "docs-example-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["django_lifespan_ctx"]
ROOT_URLCONF = "opsdemo.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# --8<-- [start:settings]
LIFESPAN_CONTEXTS = [
    "opsdemo.lifespan.http_client",
    # One process in the deployment runs the scheduler; the others stand by.
    run_once("opsdemo.lifespan.scheduler", key="opsdemo-scheduler"),
]
LIFESPAN_HEALTH_CHECKS = {
    "http": "opsdemo.health.http_client_open",
    "fine": "opsdemo.health.always_fine",
}
LIFESPAN_HEALTH_TIMEOUT = 2  # seconds, for each check
LIFESPAN_RUN_ONCE_INTERVAL = 5  # seconds between tries for the lock
LIFESPAN_OPENTELEMETRY = True  # spans for startup and shutdown; needs the otel extra
# --8<-- [end:settings]
