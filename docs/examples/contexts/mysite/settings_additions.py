# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

# First, before django.contrib.staticfiles: then `manage.py runserver` is ours, with the lifespan.
INSTALLED_APPS.insert(0, "django_lifespan_ctx")

# Entered in list order, exited in reverse.
LIFESPAN_CONTEXTS: list[LifespanEntry] = [
    "mysite.lifespan.image_pool",  # a sync context manager
    ["mysite.lifespan.http_client", "mysite.lifespan.cover_cache"],  # a group: entered together
    "mysite.lifespan.books_api",  # builds on the http_client yielded before it
]

# The API that books_api calls.
BOOKS_API_URL = "https://api.example.com/"

# Print the library's DEBUG lines: one as each context is entered, one as it is exited.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django_lifespan_ctx": {"handlers": ["console"], "level": "DEBUG", "propagate": False}},
}
