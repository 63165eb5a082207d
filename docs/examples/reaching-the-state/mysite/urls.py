# mysite/urls.py: replace the whole file
from django.urls import path

from . import threads, views

urlpatterns = [
    path("books/<str:isbn>/", views.book),
    path("async/books/<str:isbn>/", views.book_async),
    path("titles/", threads.titles),
]
