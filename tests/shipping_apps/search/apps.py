from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "tests.shipping_apps.search"
    lifespan_contexts = [
        ["tests.shipping_apps.search.lifespan.index_client", "tests.shipping_apps.search.lifespan.ranker"],
    ]
