"""What the per-request benchmarks compare: a handler, and the view it serves."""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    name: str
    handler: str
    path: str


BASELINE = "Django ASGIHandler, view reads nothing"
# What reading the state is measured against: Django's own handler, with the
# resource held in a module global instead of the lifespan state.
FLOOR = "Django ASGIHandler, view reads a module global"
CASES = (
    Case(BASELINE, "Django ASGIHandler", "/no-state/"),
    Case(FLOOR, "Django ASGIHandler", "/read-global/"),
    Case("django-lifespan-ctx, view reads nothing", "django-lifespan-ctx", "/no-state/"),
    Case("django-lifespan-ctx, view reads state by item", "django-lifespan-ctx", "/read-item/"),
    Case("django-lifespan-ctx, view reads state by attribute", "django-lifespan-ctx", "/read-attribute/"),
    Case("django-lifespan-ctx, view reads state by typed key", "django-lifespan-ctx", "/read-key/"),
    Case(
        "django-lifespan-ctx, view reads state by item and by attribute",
        "django-lifespan-ctx",
        "/read-state/",
    ),
    # Its state is a plain dict, read by item only; so the same view as ours by item.
    Case("django-asgi-lifespan, view reads state by item", "django-asgi-lifespan", "/read-item/"),
)


def expected_body(case: Case) -> bytes:
    return b"no state" if case.path == "/no-state/" else b"state"
