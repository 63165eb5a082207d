"""The settings reference and the code must agree on names and check ids."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import django_lifespan_ctx
from django_lifespan_ctx._config import conf
from django_lifespan_ctx._engine import check_ids

DOCS = Path(__file__).resolve().parents[2] / "docs"
PACKAGE = Path(django_lifespan_ctx.__file__).resolve().parent


def test_the_settings_page_lists_every_check_id_of_the_table_once_and_no_other() -> None:
    rows = re.findall(r"^\| `django_lifespan_ctx\.([EW]\d{3})` \|", (DOCS / "settings.md").read_text(), re.M)

    assert sorted(rows) == sorted(check_ids.ALL)
    assert len(rows) == len(set(rows))


def test_no_module_but_the_table_writes_a_check_id() -> None:
    # One table (_engine/check_ids.py): an id written anywhere else could be reused by mistake.
    writers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "check_ids.py" and re.search(r"[\"'.][EW]0\d\d\b", path.read_text())
    }

    assert writers == set()


def test_each_id_in_the_table_is_one_name_s_and_ids_are_never_shared() -> None:
    names = [name for name in vars(check_ids) if name.isupper() and name not in {"PREFIX", "ALL"}]

    assert len(names) == len(check_ids.ALL)


def test_every_setting_is_documented() -> None:
    in_code = {name for name in vars(conf.Settings) if name.startswith("LIFESPAN_")}
    table = (DOCS / "settings.md").read_text().split("## System checks")[0]
    assert set(re.findall(r"\| `(LIFESPAN_\w+)`", table)) == in_code


def test_every_python_block_in_the_docs_is_included_from_a_file_the_tests_run() -> None:
    # Inline code rots; included files are imported or run by the suite.
    block = re.compile(r"^([ \t]*)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)
    for page in DOCS.glob("*.md"):
        for _, body in block.findall(page.read_text()):
            lines = [line.strip() for line in body.strip().splitlines()]
            assert len(lines) == 1 and lines[0].startswith('--8<-- "'), (
                f"{page.name}: inline code {lines[:2]}"
            )
            path = lines[0].split('"')[1].split(":")[0]
            assert (DOCS.parent / path).is_file(), f"{page.name}: {path} does not exist"


def test_every_page_is_in_the_navigation() -> None:
    nav = (DOCS.parent / "mkdocs.yml").read_text()
    for page in DOCS.glob("*.md"):
        assert f": {page.name}" in nav, page.name


def test_the_command_page_shows_what_the_sample_site_really_lists() -> None:
    page = (DOCS / "command.md").read_text()
    shown = page.split("$ cd sample_site && python manage.py lifespan --list\n")[1].split("```")[0]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO")}
    result = subprocess.run(
        [sys.executable, "manage.py", "lifespan", "--list"],
        cwd=DOCS.parent / "sample_site",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == shown


def test_every_page_with_python_is_pasted_into_a_fresh_project_by_a_test() -> None:
    # A page's blocks run as a reader pastes them: some test renders the page and does so
    # (tests/pasted_project.py, tests/docs/test_quickstart.py), not only the fragments' files.
    fence = re.compile(r"^[ \t]*```python$", re.MULTILINE)
    pages = {page.name for page in DOCS.glob("*.md") if fence.search(page.read_text())}
    tests = "\n".join(path.read_text() for path in (DOCS.parent / "tests").rglob("test_*.py"))
    rendered = set(re.findall(r'render\("([\w-]+\.md)"\)', tests))
    assert len(pages) >= 15
    assert sorted(pages - rendered) == []
