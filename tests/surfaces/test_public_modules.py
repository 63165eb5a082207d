"""What is public is what the reference page shows: every other module is marked private."""

from __future__ import annotations

import importlib
import pkgutil

import django_lifespan_ctx
from tests.docstrings import REFERENCE, sections

# Modules Django finds by name, whatever their names mean to us: the app config, and
# each management command (`manage.py lifespan`, `manage.py runserver`).
DJANGO_CONVENTIONS = {
    "django_lifespan_ctx.apps",
    "django_lifespan_ctx.management.commands",
    "django_lifespan_ctx.management.commands.lifespan",
    "django_lifespan_ctx.management.commands.runserver",
    # The package of the optional integrations, each of which is on the page.
    "django_lifespan_ctx.contrib",
}


def public_modules() -> set[str]:
    found = {django_lifespan_ctx.__name__}
    for module in pkgutil.walk_packages(django_lifespan_ctx.__path__, "django_lifespan_ctx."):
        if not any(part.startswith("_") for part in module.name.split(".")):
            found.add(module.name)
    return found


def test_every_module_without_an_underscore_is_on_the_reference_page_and_no_other() -> None:
    on_the_page = {section.module for section in sections(REFERENCE)}

    assert public_modules() - DJANGO_CONVENTIONS == on_the_page


def test_every_name_on_the_reference_page_imports_from_the_module_it_is_listed_under() -> None:
    missing = [
        f"{section.module}.{name}"
        for section in sections(REFERENCE)
        for name in section.members
        if not hasattr(importlib.import_module(section.module), name)
    ]

    assert missing == []


def test_a_private_module_is_one_whose_name_or_package_starts_with_an_underscore() -> None:
    # The rule the first test applies, on names that show each case.
    assert "django_lifespan_ctx._engine.runner" not in public_modules()
    assert "django_lifespan_ctx._serving.state.scope" not in public_modules()
    assert "django_lifespan_ctx.threaded" in public_modules()
