from django.urls import path
from library.views import client_status

urlpatterns = [path("client/", client_status)]
