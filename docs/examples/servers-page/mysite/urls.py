# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("state/", views.state_keys),
]
