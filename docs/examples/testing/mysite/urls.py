# mysite/urls.py: replace the whole file
from books import views
from django.urls import path

urlpatterns = [
    path("count/", views.count),
    path("kind/", views.client_kind),
]
