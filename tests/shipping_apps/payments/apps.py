from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "tests.shipping_apps.payments"
    lifespan_contexts = ["tests.shipping_apps.payments.lifespan.payments_client"]
