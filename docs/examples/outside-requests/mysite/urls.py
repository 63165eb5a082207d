# mysite/urls.py: replace the whole file
from django.contrib import admin
from django.urls import path
from shop import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("books/<int:book_id>/", views.book),
]
