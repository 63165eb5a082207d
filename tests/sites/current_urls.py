from django.urls import path

from tests.sites import current_views

urlpatterns = [
    path("current/sync/", current_views.sync_view),
    path("current/async/", current_views.async_view),
]
