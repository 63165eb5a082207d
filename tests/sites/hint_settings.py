"""One context and a view that reports request.state or the error reading it."""

from tests.sites.settings import *

ROOT_URLCONF = "tests.sites.hint_views"
LIFESPAN_CONTEXTS = ["tests.contexts.alpha"]
