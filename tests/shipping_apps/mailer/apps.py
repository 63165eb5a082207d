from django.apps import AppConfig


class MailerConfig(AppConfig):
    name = "tests.shipping_apps.mailer"
    lifespan_contexts = ["tests.shipping_apps.mailer.resources.mail_client"]
