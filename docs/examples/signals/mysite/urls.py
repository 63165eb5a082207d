# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import path
from library.views import client_status

urlpatterns = [
    path("admin/", admin.site.urls),
    path("client/", client_status),
]
