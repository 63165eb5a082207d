from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("books/<int:book_id>/", views.book, name="book"),
    path("api/books/", views.api_books, name="api-books"),
    path("api/books/<int:book_id>/", views.api_book, name="api-book"),
]
