import os
SECRET_KEY = "user-project"
INSTALLED_APPS = ["django_lifespan_ctx", "books"]
ROOT_URLCONF = "shop.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
LIFESPAN_CONTEXTS = ["books.lifespan.books_client"]
if os.environ.get("BREAK_A_CONTEXT"):
    LIFESPAN_CONTEXTS.append("books.lifespan.search_index")
