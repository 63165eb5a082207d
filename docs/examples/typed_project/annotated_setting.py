from django_lifespan_ctx import LifespanEntry

LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.http_client"]
