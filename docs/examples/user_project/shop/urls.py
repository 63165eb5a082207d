from django.urls import path
from books.views import count, client_kind
urlpatterns = [path("count/", count), path("kind/", client_kind)]
