"""The Guarantees page and the tests it names cannot drift apart."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from tests.servers import REPO

PAGE = REPO / "docs" / "guarantees.md"
# Every `tests/...` citation on the page: a file, or a file and a test (`path::test`,
# `path::Class::test`, `path::test[id]`), as pytest prints node ids.
CITATION = re.compile(r"`(tests/[^`\s]*)`")
NODE_ID = re.compile(r"(?P<path>tests/[\w/]+\.py)(?:::(?:(?P<cls>\w+)::)?(?P<test>\w+)(?:\[[^\]]+\])?)?")


@functools.cache  # The page cites some files dozens of times.
def collected_in(path: Path) -> set[str]:
    """The test functions pytest would collect from a file: module level, and methods as Class::name."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test"):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.update(
                f"{node.name}::{item.name}"
                for item in node.body
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name.startswith("test")
            )
    return found


def missing(page: str) -> list[str]:
    """Each citation on the page that names no file, or no test in its file, with the reason."""
    problems = []
    for citation in CITATION.findall(page):
        match = NODE_ID.fullmatch(citation)
        if match is None:
            problems.append(f"{citation}: not a node id (tests/<file>.py or tests/<file>.py::<test>)")
            continue
        path = REPO / match["path"]
        if not path.is_file():
            problems.append(f"{citation}: {match['path']} does not exist")
        elif match["test"] is not None:
            test = f"{match['cls']}::{match['test']}" if match["cls"] else match["test"]
            if test not in collected_in(path):
                problems.append(f"{citation}: {match['path']} has no test {test}")
    return problems


def test_every_test_the_guarantees_page_names_exists() -> None:
    page = PAGE.read_text()
    assert len(CITATION.findall(page)) >= 20
    assert missing(page) == [], "docs/guarantees.md cites tests that are gone: rename or drop the citation"


def test_a_citation_of_a_test_that_is_gone_or_renamed_is_reported() -> None:
    cited = "tests/docs/test_guarantees_page.py"
    page = (
        f"`{cited}::test_every_test_the_guarantees_page_names_exists` and `{cited}`, "
        f"`{cited}::test_that_was_renamed`, `tests/test_gone.py::test_x`, `tests/test_gone.py`, "
        f"`{cited}::Suite::test_x[one]`, `tests/fault_model`"
    )
    assert missing(page) == [
        f"{cited}::test_that_was_renamed: {cited} has no test test_that_was_renamed",
        "tests/test_gone.py::test_x: tests/test_gone.py does not exist",
        "tests/test_gone.py: tests/test_gone.py does not exist",
        f"{cited}::Suite::test_x[one]: {cited} has no test Suite::test_x",
        "tests/fault_model: not a node id (tests/<file>.py or tests/<file>.py::<test>)",
    ]
