"""The database example project, with contexts that leave their connections open."""

from shelf.settings import *

LIFESPAN_CONTEXTS = [
    "tests.database_contexts.genres_left_open",
    "tests.database_contexts.server_runs_left_open",
]
