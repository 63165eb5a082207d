from django.apps import AppConfig


class MisspeltConfig(AppConfig):
    name = "tests.shipping_apps.misspelt"
    lifespan_contexts = ["tests.shipping_apps.payments.lifespan.payment_client"]
