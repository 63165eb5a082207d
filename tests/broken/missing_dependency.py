"""A module whose own import needs a package that is not installed (like a removed old library)."""

from contextlib import asynccontextmanager

from a_package_that_is_not_installed.types import LifespanManager  # noqa: F401


@asynccontextmanager
async def context():  # type: ignore[no-untyped-def]
    yield  # pragma: no cover
