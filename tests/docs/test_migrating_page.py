"""docs/migrating.md's files, pasted into a fresh `startproject mysite`: the migrated project starts."""

from __future__ import annotations

from pathlib import Path

from tests.pasted_project import file_blocks, manage_py_check, run_in, start_project
from tests.rendered_docs import code_blocks, render

FILES = file_blocks(code_blocks(render("migrating.md")))


def test_the_steps_show_the_context_the_asgi_module_and_the_setting_as_whole_files() -> None:
    assert [block.splitlines()[0] for block in FILES] == [
        "# mysite/lifespan.py",
        "# mysite/asgi.py: replace the whole file",
        "# mysite/settings.py: add at the end",
    ]
    assert not any("django_asgi_lifespan" in block for block in FILES)


def test_the_migrated_project_checks_clean_and_enters_and_exits_its_context(tmp_path: Path) -> None:
    project = start_project(tmp_path, "django-admin startproject mysite\ncd mysite", FILES)
    assert "no issues" in manage_py_check(project)
    result = run_in(project, "python manage.py lifespan")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Startup and shutdown succeeded (1 context)" in output, output
    assert "state keys: httpx_client" in output, output
