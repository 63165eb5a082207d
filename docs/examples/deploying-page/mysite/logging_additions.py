# mysite/settings.py: add at the end
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
