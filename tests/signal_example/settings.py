SECRET_KEY = "signal-example-not-secret"
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["django_lifespan_ctx", "library"]
ROOT_URLCONF = "urls"
LIFESPAN_CONTEXTS = ["library.lifespan.watch_client"]
