"""docs/index.md's example, pasted into a fresh `startproject mysite` and entered."""

from __future__ import annotations

from pathlib import Path

from tests.pasted_project import (
    file_blocks,
    headers,
    lifespan_command_output,
    manage_py_check,
    start_project,
)
from tests.rendered_docs import code_blocks, render

FILES = file_blocks(code_blocks(render("index.md")))


def test_the_index_shows_a_whole_context_file_and_its_settings() -> None:
    assert headers(FILES) == [
        "# mysite/lifespan.py",
        "# mysite/settings.py: add at the end",
    ]


def test_pasted_into_a_fresh_project_the_lifespan_command_enters_and_exits_it(tmp_path: Path) -> None:
    project = start_project(tmp_path, "django-admin startproject mysite\ncd mysite", FILES)
    assert "no issues" in manage_py_check(project)
    output = lifespan_command_output(project)
    assert "Startup and shutdown succeeded (1 context)" in output, output
    assert "state keys: httpx_client" in output, output  # The key views read.
