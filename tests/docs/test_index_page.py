"""docs/index.md's example, pasted into a fresh `startproject mysite` and entered."""

from __future__ import annotations

from pathlib import Path

from tests.pasted_project import file_blocks, manage_py_check, run_in, start_project
from tests.rendered_docs import code_blocks, render

FILES = file_blocks(code_blocks(render("index.md")))


def test_the_index_shows_a_whole_context_file_and_its_settings() -> None:
    assert [block.splitlines()[0] for block in FILES] == [
        "# mysite/lifespan.py",
        "# mysite/settings.py: add at the end",
    ]


def test_pasted_into_a_fresh_project_the_lifespan_command_enters_and_exits_it(tmp_path: Path) -> None:
    project = start_project(tmp_path, "django-admin startproject mysite\ncd mysite", FILES)
    assert "no issues" in manage_py_check(project)
    result = run_in(project, "python manage.py lifespan")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Startup and shutdown succeeded (1 context)" in output, output
    assert "state keys: httpx_client" in output, output  # The key views read.
