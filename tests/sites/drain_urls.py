from django.urls import include, path

from tests.sites import drain_views

urlpatterns = [
    path("", include("django_lifespan_ctx.urls")),
    path("work/", drain_views.work),
    path("events/", drain_views.events),
]
