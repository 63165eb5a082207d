"""The Architecture page names the layers the import contract checks, and files that exist."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PAGE = (REPO / "docs" / "architecture.md").read_text()
PICTURE = (REPO / "docs" / "images" / "layers.svg").read_text()


def contract_layers() -> list[list[str]]:
    # Read as text: tomllib is Python 3.11+, and the matrix runs 3.10.
    text = (REPO / "pyproject.toml").read_text()
    block = re.search(r"\[\[tool\.importlinter\.contracts\]\].*?layers = \[(.*?)\]", text, re.S)
    assert block is not None
    return [re.split(r"\s*[|:]\s*", layer) for layer in re.findall(r'"([^"]+)"', block.group(1))]


def test_every_private_package_of_the_contract_is_in_the_page_s_table_and_in_the_picture() -> None:
    packages = [name for layer in contract_layers() for name in layer if ".contrib" in name or "._" in name]

    assert packages  # contrib and the five private packages
    for package in packages:
        assert f"`{package}`" in PAGE, package
        assert package in PICTURE, package


def test_the_page_lists_the_layers_in_the_contract_s_order() -> None:
    first_mentions = [PAGE.index(f"`{layer[0]}`") for layer in contract_layers() if "._" in layer[0]]

    assert first_mentions == sorted(first_mentions)


def test_every_file_the_page_names_exists() -> None:
    named = set(re.findall(r"`(_[a-z]+/[a-z_]+\.py)`", PAGE))
    missing = sorted(path for path in named if not (REPO / "django_lifespan_ctx" / path).exists())

    assert len(named) > 10
    assert missing == []
