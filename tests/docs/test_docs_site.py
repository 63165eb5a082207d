"""The documentation site builds the same way everywhere: locally and on Read the Docs."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def test_read_the_docs_builds_our_mkdocs_site_strictly_with_the_docs_extra() -> None:
    config = yaml.safe_load((REPO / ".readthedocs.yaml").read_text())
    # tomllib is 3.11+; the extra's list is simple enough to read directly.
    pyproject = (REPO / "pyproject.toml").read_text()
    docs_extra = re.search(r"^docs = \[\n(.*?)^\]", pyproject, flags=re.MULTILINE | re.DOTALL)
    assert config["version"] == 2
    assert (REPO / config["mkdocs"]["configuration"]).is_file()
    assert config["mkdocs"]["fail_on_warning"] is True
    (install,) = config["python"]["install"]
    assert install["path"] == "."
    assert install["extra_requirements"] == ["docs"]
    assert docs_extra and '"mkdocs-material' in docs_extra.group(1)


def test_the_readme_says_how_to_read_the_docs_locally_with_a_target_that_exists() -> None:
    readme = (REPO / "README.md").read_text()
    makefile = (REPO / "Makefile").read_text()
    assert "make docs-serve" in readme
    target = re.search(r"^docs-serve: .*\n\t(.*)$", makefile, flags=re.MULTILINE)
    assert target and "mkdocs serve --strict" in target.group(1)
