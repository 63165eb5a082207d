# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry
from django_lifespan_ctx.contexts import background

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

LIFESPAN_CONTEXTS: list[LifespanEntry] = [
    "mysite.events.queues",  # what the services use: entered before them
    background("mysite.events.forward_events", critical=True),
    background("mysite.spool.flush_spool", restart="always", backoff=(1, 60)),
]

# Print the services' own lines and the library's (each start, stop, failure and restart).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_lifespan_ctx": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "mysite": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
