import os

SECRET_KEY = "docs-example-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
# --8<-- [start:settings]
INSTALLED_APPS = ["django_lifespan_ctx"]
ROOT_URLCONF = "bookstore.urls"
LIFESPAN_CONTEXTS = ["bookstore.lifespan.catalogue_client"]
# The catalogue service the client calls (the test suite points it at a server it runs).
CATALOGUE_URL = os.environ.get("CATALOGUE_URL", "https://catalogue.example.com")
# --8<-- [end:settings]
DATABASES: dict[str, object] = {}
