# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", views.index),
    path("events/", views.events),
    # livez/ and readyz/, at the root: the paths Kubernetes' probes ask for.
    path("", include("django_lifespan_ctx.urls")),
]
