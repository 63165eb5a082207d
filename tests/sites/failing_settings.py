"""Settings whose second context fails to enter."""

from tests.sites.settings import *

LIFESPAN_CONTEXTS = ["tests.contexts.alpha", "tests.contexts.fails_on_enter", "tests.contexts.beta"]
