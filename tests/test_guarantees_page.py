"""The Guarantees page and the tests it names cannot drift apart."""

from __future__ import annotations

import ast
import re

from tests.servers import REPO


def test_every_test_the_guarantees_page_names_exists() -> None:
    page = (REPO / "docs" / "guarantees.md").read_text()
    named = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", page)
    assert len(named) >= 20
    for path, test in named:
        tree = ast.parse((REPO / path).read_text())
        functions = {
            node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        assert test in functions, f"docs/guarantees.md names {path}::{test}, which does not exist"
