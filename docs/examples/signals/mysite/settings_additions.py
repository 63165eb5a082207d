# mysite/settings.py: add at the end
# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")
INSTALLED_APPS += ["library"]

# Print what the library app's receivers log, and the library's startup and shutdown lines.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django_lifespan_ctx": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "library": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
