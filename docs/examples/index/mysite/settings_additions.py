# mysite/settings.py: add at the end
from django_lifespan_ctx import LifespanEntry

INSTALLED_APPS.insert(0, "django_lifespan_ctx")
LIFESPAN_CONTEXTS: list[LifespanEntry] = ["mysite.lifespan.httpx_client"]
