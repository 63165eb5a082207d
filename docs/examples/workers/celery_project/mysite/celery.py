# mysite/celery.py
import os

from celery import Celery

from django_lifespan_ctx.contrib import celery as lifespan_celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")

app = Celery("mysite")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()  # Each installed app's tasks.py.

# Each worker process that runs tasks enters LIFESPAN_CONTEXTS once, and exits them when it stops.
lifespan_celery.connect()
