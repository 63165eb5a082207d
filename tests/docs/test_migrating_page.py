"""docs/migrating.md's files, pasted into a fresh `startproject mysite`: the migrated project starts."""

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

FILES = file_blocks(code_blocks(render("migrating.md")))


def test_the_steps_show_the_context_the_asgi_module_and_the_setting_as_whole_files() -> None:
    assert headers(FILES) == [
        "# mysite/lifespan.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
    ]
    assert not any("django_asgi_lifespan" in block for block in FILES)


def test_the_migrated_project_checks_clean_and_enters_and_exits_its_context(tmp_path: Path) -> None:
    project = start_project(tmp_path, "django-admin startproject mysite\ncd mysite", FILES)
    assert "no issues" in manage_py_check(project)
    output = lifespan_command_output(project)
    assert "Startup and shutdown succeeded (1 context)" in output, output
    assert "state keys: httpx_client" in output, output
