"""A reusable app that ships its own lifespan context: the project lists nothing for it."""

from django.apps import AppConfig


# --8<-- [start:app_config]
class VisitsConfig(AppConfig):
    name = "visits"
    # Entered before the project's LIFESPAN_CONTEXTS, exited after them.
    lifespan_contexts = ["visits.lifespan.visit_counter"]


# --8<-- [end:app_config]
