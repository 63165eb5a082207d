from benchmarks.views import urlpatterns

__all__ = ["urlpatterns"]
