"""A user's project (docs/examples/user_project), tested the two ways users test.

It proves the testing helpers from the outside: only public names, a real
settings module, real runners in subprocesses.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "user_project"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The docs' testing page shows these files; here they run, copied to a
    # temporary directory so that nothing of this repository is in the way.
    root = tmp_path_factory.mktemp("user_project") / "project"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def run(project: Path, *command: str, broken: bool = False) -> subprocess.CompletedProcess[str]:
    # A clean environment: nothing of this test run's own pytest or Django set-up.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO"))}
    env["PYTHONPATH"] = str(project)
    if broken:
        env["BREAK_A_CONTEXT"] = "1"
    return subprocess.run(
        [sys.executable, *command], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )


def test_pytest_style_passes_with_real_contexts_and_replacements(project: Path) -> None:
    result = run(project, "-m", "pytest", "-p", "no:cacheprovider", "test_books.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
    # The example pytest.ini is one to copy: it leaves pytest-asyncio nothing to warn about.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr


def test_django_runner_style_passes_with_real_contexts_and_replacements(project: Path) -> None:
    result = run(project, "manage.py", "test", "books", "-v", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Ran 4 tests" in result.stderr and "OK" in result.stderr


def test_a_broken_context_fails_pytest_with_the_message(project: Path) -> None:
    result = run(
        project, "-m", "pytest", "-p", "no:cacheprovider", "test_books.py", "-k", "real_contexts", broken=True
    )
    assert result.returncode == 1, result.stdout
    assert (
        "LifespanStartupError: Lifespan startup failed while entering "
        "'books.lifespan.search_index': ConnectionError: search index unreachable"
    ) in result.stdout


def test_a_broken_context_fails_manage_py_test_with_the_message(project: Path) -> None:
    result = run(project, "manage.py", "test", "books.tests.RealContexts", broken=True)
    assert result.returncode == 1, result.stderr
    assert "'books.lifespan.search_index': ConnectionError: search index unreachable" in result.stderr
    # The test that swaps in its own contexts does not include the broken one.
    assert "Ran 3 tests" in result.stderr and "FAILED (errors=2)" in result.stderr
