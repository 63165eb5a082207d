# A reusable app cannot edit the project's settings: its AppConfig ships its contexts.
from django.apps import AppConfig


class ThumbnailsConfig(AppConfig):
    name = "thumbnails"
    # Same entries as LIFESPAN_CONTEXTS (groups too); entered before the project's.
    lifespan_contexts = ["thumbnails.lifespan.image_pool"]
