from django.apps import AppConfig

from django_lifespan_ctx.contexts import background


class QueuesConfig(AppConfig):
    name = "tests.shipping_apps.queues"
    lifespan_contexts = [
        background("tests.services_targets.broken_consumer", name="consumer", restart="never", critical=True),
    ]
