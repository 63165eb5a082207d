# mysite/settings.py: add at the end
# Instead of the LOGGING above: one handler for everything, on the root logger.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)-8s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    # A level and no handler of its own: its lines go up to the root's handler, once.
    "loggers": {"django_lifespan_ctx": {"level": "DEBUG"}},
}
