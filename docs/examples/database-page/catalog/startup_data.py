# catalog/startup_data.py
from contextlib import contextmanager

from catalog.models import Genre
from django.db import connections


@contextmanager
def genres():
    # A sync context runs in a thread of its own: the ORM works as in any sync code.
    names = list(Genre.objects.order_by("name").values_list("name", flat=True))
    connections.close_all()  # Done with the database: hold no connection while serving.
    yield {"genres": names}
