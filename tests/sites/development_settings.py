"""A project as startproject writes it: no LOGGING of its own; DEBUG from the environment."""

import os

from tests.sites.settings import *

DEBUG = os.environ.get("TEST_DEBUG") == "1"
LIFESPAN_CONTEXTS = ["tests.contexts.alpha"]
