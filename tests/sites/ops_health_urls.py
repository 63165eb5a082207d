from django.urls import path
from health_check.views import HealthCheckView  # type: ignore[import-untyped]

from django_lifespan_ctx.contrib.health_check import lifespan_checks

urlpatterns = [path("ht/", HealthCheckView.as_view(checks=lifespan_checks()))]
