# catalog/models.py: replace the whole file
from django.db import models


class Genre(models.Model):
    name = models.CharField(max_length=100, unique=True)


class ServerRun(models.Model):
    """One row per server process: when it started, and when it stopped."""

    started_at = models.DateTimeField(auto_now_add=True)
    stopped_at = models.DateTimeField(null=True)
