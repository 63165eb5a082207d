"""``path("", include("django_lifespan_ctx.urls"))`` adds livez/ and readyz/."""

from __future__ import annotations

from django.urls import URLPattern, path

from django_lifespan_ctx._ops import probes

app_name = "django_lifespan_ctx"
urlpatterns: list[URLPattern] = [
    path("livez/", probes.livez, name="livez"),
    path("readyz/", probes.readyz, name="readyz"),
]
