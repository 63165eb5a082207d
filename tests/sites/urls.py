from django.urls import path

from . import views

urlpatterns = [
    path("state/", views.state_view),
    path("sync-state/", views.sync_state_view),
    path("write/", views.write_view),
    path("missing/", views.missing_view),
    path("client/", views.client_view),
]
