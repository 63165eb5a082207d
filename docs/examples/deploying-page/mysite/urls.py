# mysite/urls.py: replace the whole file
from django.urls import path

from . import views

urlpatterns = [path("", views.index)]
