# mysite/urls.py: replace the whole file
from catalog import views
from django.urls import path

urlpatterns = [path("genres/", views.genres)]
