# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("events/", views.send_event),
    path("featured/", views.featured),
    # livez/ and readyz/: readyz/ lists the services and how they are doing.
    path("", include("django_lifespan_ctx.urls")),
]
