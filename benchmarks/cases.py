"""What the per-request benchmarks compare: a handler, and the view it serves."""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    name: str
    handler: str
    path: str


BASELINE = "Django ASGIHandler, view reads nothing"
CASES = (
    Case(BASELINE, "Django ASGIHandler", "/no-state/"),
    Case("django-lifespan-ctx, view reads nothing", "django-lifespan-ctx", "/no-state/"),
    Case(
        "django-lifespan-ctx, view reads state by item and by attribute",
        "django-lifespan-ctx",
        "/read-state/",
    ),
    Case(
        "django-lifespan-ctx, view reads state by item twice", "django-lifespan-ctx", "/read-state-by-item/"
    ),
    # Its state is a plain dict, read by item only; so the same view as the row above.
    Case(
        "django-asgi-lifespan, view reads state by item twice", "django-asgi-lifespan", "/read-state-by-item/"
    ),
)


def expected_body(case: Case) -> bytes:
    return b"no state" if case.path == "/no-state/" else b"state"
