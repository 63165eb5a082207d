"""docs/index.md reaches every page of mkdocs.yml's nav, each with a line on who needs it."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import yaml

REPO = Path(__file__).resolve().parents[2]
INDEX = "index.md"

# A list item that opens with a link to a page: `- [Title](page.md): who needs it.`
_ITEM = re.compile(
    r"^- \[(?P<title>[^\]]+)\]\((?P<page>[^)#\s]+\.md)(?:#[^)]*)?\)(?P<rest>.*)$", re.MULTILINE
)


class _Loader(yaml.SafeLoader):
    """mkdocs.yml's `!!python/name:` tags (the mermaid fence) read as plain strings."""


def _tag_as_text(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> str:
    return suffix


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _tag_as_text)  # pyright: ignore[reportUnknownMemberType]


def nav_pages(mkdocs_yml: str) -> list[str]:
    """Every page of the nav, in order, however deeply its sections nest."""

    def walk(entry: object) -> Iterator[str]:
        if isinstance(entry, str):
            yield entry
        elif isinstance(entry, dict):
            yield from walk(list(cast("dict[str, object]", entry).values()))
        elif isinstance(entry, list):
            for item in cast("list[object]", entry):
                yield from walk(item)

    config = yaml.load(mkdocs_yml, Loader=_Loader)
    return [page for page in walk(config["nav"]) if page.endswith(".md")]


def missing_from_index(index_md: str, pages: list[str]) -> list[str]:
    """The nav pages the index does not link from a list item that says who needs them."""
    described = {item["page"] for item in _ITEM.finditer(index_md) if len(item["rest"].strip(" :.")) >= 12}
    return [page for page in pages if page != INDEX and page not in described]


def test_the_index_links_every_page_of_the_nav_with_a_line_on_who_needs_it() -> None:
    pages = nav_pages((REPO / "mkdocs.yml").read_text())
    index = (REPO / "docs" / INDEX).read_text()

    assert len(pages) > 20, pages  # the nav was read, not an empty list
    assert missing_from_index(index, pages) == []
    for page in pages:
        assert (REPO / "docs" / page).is_file(), f"the nav lists {page}, which does not exist"


def test_the_index_lists_the_pages_in_the_order_of_the_nav() -> None:
    pages = [page for page in nav_pages((REPO / "mkdocs.yml").read_text()) if page != INDEX]
    linked = [item["page"] for item in _ITEM.finditer((REPO / "docs" / INDEX).read_text())]

    assert [page for page in linked if page in pages] == pages


def test_a_page_the_index_leaves_out_or_links_without_a_line_is_reported() -> None:
    mkdocs_yml = """\
        nav:
          - Home: index.md
          - Quickstart: quickstart.md
          - More:
              - Workers: workers.md
              - Draining: draining.md
        markdown_extensions:
          - pymdownx.superfences:
              custom_fences:
                - format: !!python/name:pymdownx.superfences.fence_code_format
        """
    index = "- [Quickstart](quickstart.md): everyone, first, to a view.\n- [Draining](draining.md).\n"
    pages = nav_pages(textwrap.dedent(mkdocs_yml))

    assert pages == ["index.md", "quickstart.md", "workers.md", "draining.md"]
    assert missing_from_index(index, pages) == ["workers.md", "draining.md"]
