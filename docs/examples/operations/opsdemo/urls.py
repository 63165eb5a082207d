# --8<-- [start:urls]
from django.urls import include, path

urlpatterns = [
    path("", include("django_lifespan_ctx.urls")),  # livez/ and readyz/
]
# --8<-- [end:urls]
