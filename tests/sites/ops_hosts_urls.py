from django.urls import include, path

from tests.sites import views

urlpatterns = [
    path("ops/", include([path("health/", include("django_lifespan_ctx.urls"))])),
    path("state/", views.state_view),
]
