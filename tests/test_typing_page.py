"""docs/typing.md's `shop` project, pasted as a reader pastes it and run.

The page's shell block and its `# shop/...` blocks, read from the rendered page, build
a fresh `startproject shop`; then its command, its tests and its views run for real,
and mypy and pyright check it with the page's own pyproject.toml (named for `mysite`
there, so read here with `shop` for `mysite`).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pasted_project import command_block
from tests.rendered_docs import code_blocks, render
from tests.test_quickstart import as_argv, user_env

BLOCKS = code_blocks(render("typing.md"))
INSTALL = command_block(BLOCKS, "pip install django-lifespan-ctx")
FILES = [block for block in BLOCKS if block.startswith("# shop/")]
(PYPROJECT,) = [block for block in BLOCKS if block.startswith("# pyproject.toml")]


def paste(project: Path, block: str) -> None:
    header = block.splitlines()[0].removeprefix("# ")
    relative, _, how = header.partition(": ")
    target = project / relative
    if how == "add at the end":
        target.write_text(target.read_text() + "\n" + block)
    elif how == "replace the whole file":
        assert target.is_file(), relative
        target.write_text(block)
    else:
        assert how == "" and not target.exists(), header
        target.write_text(block)


def run(argv: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=project, env=user_env(), capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cwd = tmp_path_factory.mktemp("typing-page")
    for line in INSTALL.splitlines():
        words = shlex.split(line)
        if words[:2] == ["pip", "install"]:
            continue
        if words[0] == "cd":
            cwd = cwd / words[1]
        elif words[:2] == ["mkdir", "-p"]:
            (cwd / words[2]).mkdir(parents=True)
        else:
            subprocess.run(as_argv(line), cwd=cwd, env=user_env(), check=True, timeout=60)
    for block in FILES:
        paste(cwd, block)
    return cwd


def test_the_page_shows_the_shop_as_whole_files() -> None:
    headers = [block.splitlines()[0] for block in FILES]

    assert headers == [
        "# shop/settings.py: add at the end",
        "# shop/lifespan.py",
        "# shop/state.py",
        "# shop/views.py",
        "# shop/by_item.py",
        "# shop/urls.py: replace the whole file",
        "# shop/management/commands/catalogue.py",
        "# shop/tests.py",
    ]


def test_the_typed_command_reads_the_state_its_context_yielded(project: Path) -> None:
    done = run([sys.executable, "manage.py", "catalogue"], project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 titles, 0 visits" in done.stdout


def test_the_pages_tests_pass_under_the_django_runner(project: Path) -> None:
    done = run([sys.executable, "manage.py", "test", "-v", "2"], project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ran 3 tests" in done.stderr
    assert "test_the_real_contexts_in_a_thread" in done.stderr


def test_startup_checks_the_state_against_the_type(project: Path) -> None:
    lifespan = project / "shop" / "lifespan.py"
    written = lifespan.read_text()
    lifespan.write_text(written.replace('"visits": 0', '"visits": "none"'))
    try:
        done = run([sys.executable, "manage.py", "catalogue"], project)
    finally:
        lifespan.write_text(written)

    assert done.returncode != 0
    assert "the key 'visits' should be int, but is str" in done.stdout + done.stderr


@pytest.mark.integration
def test_mypy_and_pyright_pass_with_the_pages_config(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace("mysite", "shop"))
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)

    mypy = run([sys.executable, "-m", "mypy", "."], project)
    pyright = run([sys.executable, "-m", "pyright"], project)

    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    assert "Success: no issues found" in mypy.stdout
    assert pyright.returncode == 0, pyright.stdout + pyright.stderr
    assert "0 errors" in pyright.stdout
