from django.urls import include, path

from tests.sites import views

urlpatterns = [
    path("", include("django_lifespan_ctx.urls")),
    path("state/", views.state_view),
]
