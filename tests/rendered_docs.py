"""Docs pages as a reader sees them: rendered with mkdocs.yml's Markdown configuration."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]
from mkdocs.config import load_config

REPO = Path(__file__).resolve().parent.parent


@contextmanager
def _in_repo() -> Iterator[None]:
    # pymdownx.snippets resolves its base_path (".") from the working directory,
    # as it does when mkdocs runs from the repository root.
    previous = Path.cwd()
    os.chdir(REPO)
    try:
        yield
    finally:
        os.chdir(previous)


def render(page: str) -> str:
    """The HTML mkdocs makes of docs/<page>, snippets included."""
    with _in_repo():
        config = load_config(str(REPO / "mkdocs.yml"))
        extensions: list[Any] = config["markdown_extensions"]
        extension_configs: dict[str, Any] = config["mdx_configs"]
        converter = markdown.Markdown(extensions=extensions, extension_configs=extension_configs)
        return str(converter.convert((REPO / "docs" / page).read_text()))


class _CodeBlocks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.blocks: list[str] = []
        self._depth = 0  # Inside <pre>, counting nested tags.

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self._depth = 1
            self.blocks.append("")
        elif self._depth:
            self._depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.blocks[-1] += data


def code_blocks(html: str) -> list[str]:
    """The text of every code block, as the copy button would copy it."""
    parser = _CodeBlocks()
    parser.feed(html)
    return parser.blocks


def markdown_code_blocks(source: str) -> list[str]:
    """The fenced blocks of a raw Markdown file (README.md, which GitHub and PyPI render)."""
    fence = re.compile(r"^```[a-z]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
    return fence.findall(source)


def inline_code_after(html: str, words: str) -> str:
    """The first inline code that follows `words` in the page's text."""
    found = re.search(re.escape(words) + r"\s*<code>(.*?)</code>", html, flags=re.DOTALL)
    assert found, f"no inline code after {words!r}"
    return unescape(found.group(1))
