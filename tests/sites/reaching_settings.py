"""The bookstore example (docs/examples/reaching), served with what its tests add to it."""

from bookstore.settings import *

ROOT_URLCONF = "tests.reaching_site"
LIFESPAN_CONTEXTS = [*LIFESPAN_CONTEXTS, "tests.reaching_site.lifespan_loop"]
