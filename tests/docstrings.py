"""Every public name has a docstring: `make docs` runs this before it builds the site.

docs/reference.md is the one list of public names: each ``::: module`` block there
names the module's members under ``options: members:``. Each name in a module's
``__all__`` must be listed there, or the same object in another block (the package
re-exports), so a name added to ``__all__`` cannot be left off the page.
The source is read statically (griffe, as mkdocstrings reads it): nothing is imported,
so the optional integrations need no extras.

    python -m tests.docstrings [--reference docs/reference.md] [--search-path .]

Exits 1 and prints one line per problem, naming the module and the name.
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import griffe
import yaml

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO / "docs" / "reference.md"

# `::: dotted.path` and the indented YAML options beneath it (mkdocstrings' syntax).
_BLOCK = re.compile(r"^::: *(?P<path>\S+)[ \t]*\n(?P<options>(?:(?:[ \t]+\S.*)?\n)*)", re.MULTILINE)


@dataclass(frozen=True)
class Section:
    module: str
    members: list[str]


@dataclass(frozen=True)
class Problem:
    kind: str  # "docstring", "unlisted", "unknown"
    module: str
    name: str  # "" for the module itself
    message: str

    def __str__(self) -> str:
        return f"{self.module}: {self.message}"


def sections(reference: Path) -> list[Section]:
    """The modules the reference page documents, each with the members it lists."""
    found = []
    for block in _BLOCK.finditer(reference.read_text()):
        options: dict[str, Any] = yaml.safe_load(textwrap.dedent(block["options"])) or {}
        members = (options.get("options") or {}).get("members")
        if members is True or members is None:
            raise SystemExit(
                f"{reference}: `::: {block['path']}` must list its members (or say `members: false`): "
                "the page is the list of public names this check reads."
            )
        found.append(Section(block["path"], list(members or [])))
    return found


def _documented(obj: griffe.Object | griffe.Alias) -> bool:
    docstring = obj.docstring
    return docstring is not None and bool(docstring.value.strip())


def load_module(module: str, search_path: Path, packages: dict[str, Any]) -> Any:
    """The module as griffe reads it from source; ``packages`` caches each top-level package."""
    top = module.split(".")[0]
    if top not in packages:
        # Static analysis only: importing would need every optional integration installed.
        # No garbage collection while griffe compiles: CPython 3.11's compile() failed here with
        # "AST constructor recursion depth mismatch" (matrix, py3.11, under load) while a leaked
        # task's __del__ logged; a finalizer running Python code inside compile() is the suspect.
        gc.collect()
        collecting = gc.isenabled()
        gc.disable()
        try:
            packages[top] = griffe.load(top, search_paths=[search_path], allow_inspection=False)
        finally:
            if collecting:
                gc.enable()
    package = packages[top]
    return package if module == top else package[module[len(top) + 1 :]]


def _canonical(obj: Any) -> str | None:
    try:
        return str(obj.final_target.path if obj.is_alias else obj.path)
    except (griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def problems(reference: Path = REFERENCE, search_path: Path = REPO) -> Iterator[Problem]:
    packages: dict[str, Any] = {}
    modules: list[tuple[Section, Any]] = []
    for section in sections(reference):
        try:
            modules.append((section, load_module(section.module, search_path, packages)))
        except (ImportError, KeyError):
            yield Problem("unknown", section.module, "", f"no such module under {search_path}")
    # What the page shows, by each object's own path: a re-export may be listed where it is defined.
    shown = {
        _canonical(module.members[name])
        for section, module in modules
        for name in section.members
        if name in module.members
    }
    for section, module in modules:
        defined = module.members
        if not _documented(module):
            yield Problem("docstring", section.module, "", "the module has no docstring")
        for name in sorted(str(name) for name in module.exports or ()):
            if name not in section.members and (
                name not in defined or _canonical(defined[name]) not in shown
            ):
                message = f"{name} is in __all__ but not listed in {reference.name}: add it to the members"
                yield Problem("unlisted", section.module, name, message)
        for name in section.members:
            if name not in defined:
                yield Problem(
                    "unknown", section.module, name, f"{name} is listed, but the module has no {name}"
                )
            elif _canonical(defined[name]) is None:
                yield Problem(
                    "unknown", section.module, name, f"{name} is re-exported from a module griffe cannot read"
                )
            elif not _documented(defined[name]):
                yield Problem("docstring", section.module, name, f"{name} has no docstring")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--search-path", type=Path, default=REPO)
    arguments = parser.parse_args(argv)
    found = list(problems(arguments.reference, arguments.search_path))
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print(
            f"{len(found)} problem(s) with the public names in {arguments.reference}. A public name needs "
            "a docstring, which the API reference shows; for a variable, a string on the line after it.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
