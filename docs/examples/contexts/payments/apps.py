# payments/apps.py: replace the whole file
from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"
    # Same entries as LIFESPAN_CONTEXTS (groups too); entered before the project's.
    lifespan_contexts = ["payments.lifespan.payments_client"]
