"""Settings for the command tests: an app with LifespanCommands, and contexts that log."""

from tests.sites.settings import *

INSTALLED_APPS = [*INSTALLED_APPS, "tests.command_app"]
LIFESPAN_CONTEXTS = ["tests.lifecycle_contexts.logged", "tests.lifecycle_contexts.http_client"]
