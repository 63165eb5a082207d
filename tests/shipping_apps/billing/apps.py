from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "tests.shipping_apps.billing"
    lifespan_contexts = ["tests.shipping_apps.billing.resources.billing_client"]
