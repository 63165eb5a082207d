# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("django_lifespan_ctx.urls")),  # livez/ and readyz/
]
