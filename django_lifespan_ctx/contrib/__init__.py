"""Optional integrations: one module each, imported only by projects that opt in.

Each module imports its dependency at the top and, when it is missing, raises
``missing_extra(...)``: an ImportError that names the extra to install.
"""

from __future__ import annotations


def missing_extra(extra: str, package: str, feature: str) -> ImportError:
    return ImportError(
        f"{feature} needs {package}, which is not installed. "
        f"Install it with: pip install 'django-lifespan-ctx[{extra}]'",
        name=package,
    )
