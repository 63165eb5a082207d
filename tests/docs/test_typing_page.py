"""docs/typing.md's `shop` project, pasted as a reader pastes it and run.

The page's shell block and its `# shop/...` blocks, read from the rendered page, build
a fresh `startproject shop`; then its command, its tests and its views run for real,
and mypy and pyright check it with the page's own pyproject.toml (named for `mysite`
there, so read here with `shop` for `mysite`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pasted_project import (
    assert_type_checkers_pass,
    command_block,
    edited,
    headers,
    run_in,
    start_project,
)
from tests.rendered_docs import code_blocks, render

BLOCKS = code_blocks(render("typing.md"))
INSTALL = command_block(BLOCKS, "pip install django-lifespan-ctx")
FILES = [block for block in BLOCKS if block.startswith(("# shop/", "# reviews/"))]
(PYPROJECT,) = [block for block in BLOCKS if block.startswith("# pyproject.toml")]


def run(command: str, project: Path) -> subprocess.CompletedProcess[str]:
    return run_in(project, command, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return start_project(tmp_path_factory.mktemp("typing-page"), INSTALL, FILES)


def test_the_page_shows_the_shop_as_whole_files() -> None:
    assert headers(FILES) == [
        "# shop/settings.py: add at the end",
        "# shop/lifespan.py",
        "# reviews/__init__.py",
        "# reviews/keys.py",
        "# reviews/lifespan.py",
        "# reviews/apps.py",
        "# reviews/views.py",
        "# reviews/tests.py",
        "# shop/state.py",
        "# shop/views.py",
        "# shop/by_item.py",
        "# shop/urls.py: replace the whole file",
        "# shop/management/commands/catalogue.py",
        "# shop/tests.py",
    ]


def test_the_typed_command_reads_the_state_its_context_yielded(project: Path) -> None:
    done = run("python manage.py catalogue", project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 titles, 0 visits" in done.stdout


def test_the_pages_tests_pass_under_the_django_runner(project: Path) -> None:
    done = run("python manage.py test -v 2", project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Ran 6 tests" in done.stderr
    assert "test_the_real_contexts_in_a_thread" in done.stderr
    # The reviews app's view and test read its typed key, with the project's state type set.
    assert "test_stars (reviews.tests.StarsTests" in done.stderr
    assert "test_with_a_fake (reviews.tests.StarsTests" in done.stderr


def test_the_lifespan_command_names_the_typed_keys_app(project: Path) -> None:
    done = run("python manage.py lifespan", project)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "reviews.lifespan.reviews_client" in done.stdout
    assert "client (app reviews)" in done.stdout


def test_a_typed_key_of_the_wrong_type_fails_startup_as_the_page_says(project: Path) -> None:
    lifespan = project / "reviews" / "lifespan.py"
    with edited(lifespan, "{REVIEWS_CLIENT: client}", '{REVIEWS_CLIENT: "a string"}'):
        done = run("python manage.py catalogue", project)

    assert done.returncode != 0
    shown = (
        "'reviews.lifespan.reviews_client' (app 'reviews') yielded StateKey('client', "
        "reviews.keys.ReviewsClient, app='reviews') = str, which is not "
        "reviews.keys.ReviewsClient, the key's type."
    )
    assert shown in " ".join(render("typing.md").split())
    assert shown.removesuffix(".") in " ".join((done.stdout + done.stderr).split())


def test_startup_checks_the_state_against_the_type(project: Path) -> None:
    with edited(project / "shop" / "lifespan.py", '"visits": 0', '"visits": "none"'):
        done = run("python manage.py catalogue", project)

    assert done.returncode != 0
    assert "the key 'visits' should be int, but is str" in done.stdout + done.stderr


@pytest.mark.integration
def test_mypy_and_pyright_pass_with_the_pages_config(project: Path) -> None:
    (project / "pyproject.toml").write_text(PYPROJECT.replace("mysite", "shop"))
    (project / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)

    assert_type_checkers_pass(project)
