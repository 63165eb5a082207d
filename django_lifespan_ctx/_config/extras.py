"""The error for an optional integration whose dependency is not installed."""

from __future__ import annotations


def missing_extra(extra: str, package: str, feature: str) -> ImportError:
    return ImportError(
        f"{feature} needs {package}, which is not installed. "
        f"Install it with: pip install 'django-lifespan-ctx[{extra}]'",
        name=package,
    )
