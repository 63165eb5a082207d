import os
import tempfile

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django_lifespan_ctx",
]
ROOT_URLCONF = "tests.sites.urls"
# "on_disk": SQLite never closes in-memory connections, so closing is tested on a file.
_ON_DISK = os.path.join(tempfile.gettempdir(), f"django_lifespan_ctx_tests_{os.getpid()}.sqlite3")
DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"},
    "on_disk": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _ON_DISK,
        "TEST": {"NAME": _ON_DISK + ".test", "DEPENDENCIES": []},
    },
}
MIDDLEWARE: list[str] = []
LIFESPAN_CONTEXTS: list[object] = []
