# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import include, path
from health_check.views import HealthCheckView

from django_lifespan_ctx.contrib.health_check import lifespan_checks

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("django_lifespan_ctx.urls")),  # livez/ and readyz/
    path("ht/", HealthCheckView.as_view(checks=[*lifespan_checks(), "health_check.checks.Database"])),
]
