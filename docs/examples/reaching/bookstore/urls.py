from django.urls import path

from . import views

urlpatterns = [
    path("books/<str:isbn>/", views.book),
    path("async/books/<str:isbn>/", views.book_async),
]
