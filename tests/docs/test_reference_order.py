"""docs/reference.md is in the order of daily use, and no public docstring names an internal class."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.docstrings import REFERENCE, load_module, sections

REPO = Path(__file__).resolve().parents[2]
# The engine's own classes and package: a reader of the reference can neither import nor use them.
INTERNAL = re.compile(r"\b(ThreadHost|HostedRunner|Runner|Owner|_engine)\b")


def listed_in_order() -> list[str]:
    return [f"{section.module}.{name}" for section in sections(REFERENCE) for name in section.members]


def test_the_reference_opens_with_the_names_every_project_uses() -> None:
    listed = listed_in_order()
    daily = [
        "django_lifespan_ctx.asgi.get_asgi_application",
        "django_lifespan_ctx.LifespanHttpRequest",
        "django_lifespan_ctx.current_state",
        "django_lifespan_ctx.LifespanEntry",
        "django_lifespan_ctx.contexts.background",
        "django_lifespan_ctx.contexts.every",
        "django_lifespan_ctx.contexts.run_once",
        "django_lifespan_ctx.contexts.asgi_lifespan",
    ]

    assert listed[: len(daily)] == daily
    testing = listed.index("django_lifespan_ctx.testing.LifespanClient")
    assert testing == len(daily), "the test helpers come right after the entries for LIFESPAN_CONTEXTS"
    advanced = [listed.index(f"django_lifespan_ctx.{name}") for name in ("LifespanThread", "start_in_thread")]
    assert min(advanced) > listed.index("django_lifespan_ctx.pytest_plugin.lifespan_state")


def docstrings(module: Any, name: str) -> list[str]:
    """A listed name's docstring and its public members' (what the page shows under it)."""
    obj = module.members[name]
    target = obj.final_target if obj.is_alias else obj
    texts = [target.docstring.value if target.docstring else ""]
    texts += [
        member.docstring.value
        for member_name, member in target.members.items()
        if not member_name.startswith("_") and not member.is_alias and member.docstring
    ]
    return texts


def internal_mentions() -> dict[str, list[str]]:
    """Each listed name whose docstring (or a docstring of its members) names an internal class."""
    packages: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    for section in sections(REFERENCE):
        module = load_module(section.module, REPO, packages)
        for name in section.members:
            texts = docstrings(module, name)
            hits = sorted({hit for text in texts for hit in INTERNAL.findall(text)})
            if hits:
                found[f"{section.module}.{name}"] = hits
    return found


def test_the_check_finds_an_internal_name_in_a_docstring() -> None:
    assert INTERNAL.findall("The loop thread owns the contexts (see ThreadHost), in _engine.") == [
        "ThreadHost",
        "_engine",
    ]
    assert INTERNAL.findall("Runners and owners, in prose, are fine.") == []


def test_no_public_docstring_names_an_internal_class() -> None:
    assert internal_mentions() == {}


# A cross-reference, `[text][identifier]`: what it mentions is a link already.
CROSSREF = re.compile(r"\[[^\]]*\]\[[\w.]+\]")


def public_names() -> dict[str, list[str]]:
    """Each name on the page, by its identifier, with the identifiers it is documented under."""
    found: dict[str, list[str]] = {}
    for section in sections(REFERENCE):
        for name in section.members:
            found.setdefault(name, []).append(f"{section.module}.{name}")
    return found


def unlinked(text: str, names: dict[str, list[str]], own: str) -> list[str]:
    """The public names ``text`` mentions outside a cross-reference: `name()`, `Name`, or plain name()."""
    # A literal block (indented four spaces or more) is code, where a link cannot go.
    prose = [line for line in text.splitlines() if not line.startswith("    ")]
    text = CROSSREF.sub("", "\n".join(prose))
    hits: set[str] = set()
    for name, identifiers in names.items():
        if own in identifiers:
            continue
        word = re.escape(name)
        if re.search(rf"`{word}(\(\))?`|(?<![\w.`]){word}\(\)", text):
            hits.add(name)
    return sorted(hits)


def unlinked_mentions() -> dict[str, list[str]]:
    """Each listed name or module whose docstring (or a public member's) names a listed one unlinked."""
    names = public_names()
    packages: dict[str, Any] = {}
    found: dict[str, list[str]] = {}
    for section in sections(REFERENCE):
        module = load_module(section.module, REPO, packages)
        # The page shows each module's docstring under its heading, then the listed members.
        hits = unlinked(module.docstring.value if module.docstring else "", names, section.module)
        if hits:
            found[section.module] = hits
        for name in section.members:
            texts = docstrings(module, name)
            own = f"{section.module}.{name}"
            hits = sorted({hit for text in texts for hit in unlinked(text, names, own)})
            if hits:
                found[own] = hits
    return found


def test_the_check_finds_a_public_name_that_is_not_a_link() -> None:
    names = {"current_state": ["django_lifespan_ctx.current_state"], "State": ["django_lifespan_ctx.State"]}
    own = "django_lifespan_ctx.LifespanThread"
    assert unlinked("Read it with `current_state()`, a `State`.", names, own) == ["State", "current_state"]
    assert unlinked("Read it with current_state().", names, own) == ["current_state"]
    linked = "With [`current_state()`][django_lifespan_ctx.current_state], the state, request.state()."
    assert unlinked(linked, names, own) == []
    assert unlinked("Use it so::\n\n    current_state()", names, own) == []


def test_names_in_public_docstrings_link_to_their_entries() -> None:
    assert unlinked_mentions() == {}
