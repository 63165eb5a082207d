from django.urls import include, path
from signals_demo.views import client_status

urlpatterns = [
    path("signals/", client_status, name="signals"),
    path("", include("library.urls")),
]
