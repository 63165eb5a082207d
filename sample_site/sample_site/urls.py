from django.urls import include, path
from signals_demo.views import client_status
from visits.views import visits

urlpatterns = [
    path("signals/", client_status, name="signals"),
    path("visits/", visits, name="visits"),
    path("", include("django_lifespan_ctx.urls")),  # livez/ and readyz/
    path("", include("library.urls")),
]
