"""The API reference: docs/reference.md lists the public names, and `make docs` holds each to a docstring."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from html import unescape
from pathlib import Path
from typing import Any

import pytest

from tests.docstrings import REFERENCE, load_module, problems, sections

REPO = Path(__file__).resolve().parents[2]


def run_check(tmp_path: Path, package: dict[str, str], reference: str) -> subprocess.CompletedProcess[str]:
    """Run the check as `make docs` does, over a package and a reference page written for the test."""
    for name, source in package.items():
        path = tmp_path / "shelf" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    page = tmp_path / "reference.md"
    page.write_text(textwrap.dedent(reference))
    arguments = ["--reference", str(page), "--search-path", str(tmp_path)]
    command = [sys.executable, "-m", "tests.docstrings", *arguments]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)


def problem_lines(done: subprocess.CompletedProcess[str]) -> set[str]:
    return {line for line in done.stderr.splitlines() if line.startswith("shelf")}


SHELF = '''\
    """A package for the test."""

    __all__ = ["LIMIT", "documented", "undocumented"]

    LIMIT = 3  # A comment is not a docstring.


    def documented() -> None:
        """Has one."""


    def undocumented() -> None:
        pass
    '''

SHELF_PAGE = """\
    ::: shelf
        options:
          members:
            - documented
            - undocumented
            - LIMIT
    """


def test_a_public_name_without_a_docstring_fails_the_check_naming_it_and_its_module(
    tmp_path: Path,
) -> None:
    done = run_check(tmp_path, {"__init__.py": SHELF}, SHELF_PAGE)

    assert done.returncode == 1
    assert problem_lines(done) == {"shelf: undocumented has no docstring", "shelf: LIMIT has no docstring"}
    assert "2 problem(s)" in done.stderr


def test_the_check_passes_once_every_listed_name_has_a_docstring(tmp_path: Path) -> None:
    documented = SHELF.replace("  # A comment is not a docstring.", '\n    """How many."""').replace(
        "        pass", '        """Has one now."""'
    )

    done = run_check(tmp_path, {"__init__.py": documented}, SHELF_PAGE)

    assert (done.returncode, done.stderr) == (0, "")


def test_a_name_in_all_that_the_page_leaves_out_fails_the_check(tmp_path: Path) -> None:
    page = SHELF_PAGE.replace("        - undocumented\n", "")

    done = run_check(tmp_path, {"__init__.py": SHELF}, page)

    assert done.returncode == 1
    assert "shelf: undocumented is in __all__ but not listed in reference.md" in done.stderr


def test_a_re_export_counts_as_listed_where_its_own_module_lists_it(tmp_path: Path) -> None:
    package = {
        "__init__.py": '"""The package."""\n\nfrom .tools import hammer\n\n__all__ = ["hammer"]\n',
        "tools.py": '"""Tools."""\n\n__all__ = ["hammer"]\n\n\ndef hammer() -> None:\n    """Hits."""\n',
    }
    page = """\
        ::: shelf
            options:
              members: false

        ::: shelf.tools
            options:
              members:
                - hammer
        """

    assert run_check(tmp_path, package, page).returncode == 0
    assert run_check(tmp_path, package, page.replace("- hammer", "[]")).returncode == 1


def test_a_module_without_a_docstring_and_a_name_it_lacks_fail_the_check(tmp_path: Path) -> None:
    package = {"__init__.py": '"""The package."""\n', "empty.py": "from __future__ import annotations\n"}
    page = """\
        ::: shelf.empty
            options:
              members:
                - missing

        ::: shelf.nowhere
            options:
              members: false
        """

    done = run_check(tmp_path, package, page)

    assert done.returncode == 1
    assert problem_lines(done) == {
        "shelf.empty: the module has no docstring",
        "shelf.empty: missing is listed, but the module has no missing",
        f"shelf.nowhere: no such module under {tmp_path}",
    }


def test_a_block_that_does_not_list_its_members_is_refused(tmp_path: Path) -> None:
    done = run_check(tmp_path, {"__init__.py": SHELF}, "::: shelf\n")

    assert done.returncode == 1
    assert "`::: shelf` must list its members" in done.stderr


def test_the_page_lists_each_public_module_s_all_and_only_names_that_exist() -> None:
    # Missing docstrings are `make docs`'s to report; everything else about the list must hold now.
    assert [str(problem) for problem in problems() if problem.kind != "docstring"] == []


def test_every_import_the_docs_show_is_of_a_name_the_reference_lists() -> None:
    listed = {(section.module, name) for section in sections(REFERENCE) for name in section.members}
    modules = {section.module for section in sections(REFERENCE)}
    texts = [REPO / "README.md", *(REPO / "docs").glob("*.md"), *(REPO / "docs" / "examples").rglob("*.py")]
    imports = re.compile(r"^\s*from (django_lifespan_ctx[\w.]*) import \(?([\w, \n]+?)\)?\s*(#.*)?$", re.M)
    shown = {
        (module, name.split(" as ")[0].strip())
        for path in texts
        for module, names, _ in imports.findall(path.read_text())
        for name in names.split(",")
        if name.strip()
    }
    # `from django_lifespan_ctx.contrib import celery` imports a module the page documents.
    not_modules = {(module, name) for module, name in shown if f"{module}.{name}" not in modules}

    assert ("django_lifespan_ctx.asgi", "get_asgi_application") in shown, "the pattern finds no imports"
    assert not_modules - listed == set()


def anchored_text(html: str) -> dict[str, str]:
    """Each anchor on the page, with the page's text from it to the next anchor."""
    anchors_and_html = re.split(r'id="([^"]+)"', html)[1:]
    anchors, chunks = anchors_and_html[::2], anchors_and_html[1::2]
    return {
        anchor: unescape(re.sub(r"<[^>]+>", "", chunk)) for anchor, chunk in zip(anchors, chunks, strict=True)
    }


# The docs toolchain, not the Python x Django pair: built once, with make test's Python (on
# Python 3.10, pip picks a pymdown-extensions that mkdocstrings' highlighter cannot use).
@pytest.mark.integration
def test_the_built_reference_shows_every_listed_name_and_each_function_s_signature(tmp_path: Path) -> None:
    site = tmp_path / "site"
    # Not --strict: a broken link on another page, mid-edit, is not this page's failure. `make docs`
    # builds strictly; here any warning about the reference or from mkdocstrings fails.
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--no-strict", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr
    other_pages = re.compile(r"WARNING\s+-\s+Doc file '(?!reference\.md)")
    warnings = [line for line in done.stderr.splitlines() if line.startswith("WARNING")]
    assert [line for line in warnings if not other_pages.match(line)] == []
    page = anchored_text((site / "reference" / "index.html").read_text())
    packages: dict[str, Any] = {}

    for section in sections(REFERENCE):
        module = load_module(section.module, REPO, packages)
        assert section.module in page, f"{section.module} is not on the built page"
        for name in section.members:
            path = f"{section.module}.{name}"
            assert path in page, f"{path} is not on the built page"
            member = module.members[name]
            if (member.final_target if member.is_alias else member).is_function:
                assert f"{name}(" in page[path], f"{path} is shown without its signature"


def test_make_docs_runs_the_check_before_it_builds() -> None:
    makefile = (REPO / "Makefile").read_text()
    recipe = re.search(r"^docs: .*\n\t(.*)\n\t(.*)$", makefile, flags=re.MULTILINE)

    assert recipe and recipe.group(1).endswith("python -m tests.docstrings")
    assert "mkdocs build --strict" in recipe.group(2)
