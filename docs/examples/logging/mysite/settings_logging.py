# mysite/settings.py: add at the end
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)-8s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django_lifespan_ctx": {
            "handlers": ["console"],
            # DEBUG: a line as each context is entered and exited. INFO: one line per phase.
            "level": "DEBUG",
            # This handler prints each line once. Without this, the root logger's
            # handler prints it again where a server configures one (daphne does).
            "propagate": False,
        },
    },
}
