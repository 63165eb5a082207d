SECRET_KEY = "example-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django_lifespan_ctx",  # Before staticfiles: `manage.py runserver` runs the lifespan.
    "django.contrib.staticfiles",
]
ROOT_URLCONF = "myproject.urls"
STATIC_URL = "static/"
DATABASES: dict[str, object] = {}
LIFESPAN_CONTEXTS = ["myproject.lifespan.worker_info"]

# --8<-- [start:logging]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "lifespan": {"format": "[%(process)d] %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "lifespan": {"class": "logging.StreamHandler", "formatter": "lifespan"},
    },
    "loggers": {
        # propagate=False: servers that give the root logger a handler of their
        # own would otherwise print each line twice.
        "django_lifespan_ctx": {"handlers": ["lifespan"], "level": "INFO", "propagate": False},
    },
}
# --8<-- [end:logging]
