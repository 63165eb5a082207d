# A reusable app cannot edit the project's settings: it registers its context.
from django.apps import AppConfig

from django_lifespan_ctx import register_context


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"

    def ready(self) -> None:
        register_context("thumbnails.lifespan.image_pool")
