"""Small helpers that make messages read as sentences."""

from __future__ import annotations

from collections.abc import Iterable


def article(noun: str) -> str:
    """'a dict', 'an AsyncClient': by the first letter, which is right for class names."""
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def capped_list(names: Iterable[str], limit: int = 400) -> str:
    """Names joined with commas, cut short (with how many were left out) past ``limit`` characters."""
    shown: list[str] = []
    length = 0
    left = 0
    for name in names:
        if left or (shown and length + len(name) + 2 > limit):
            left += 1
            continue
        if len(name) > limit:
            name = name[: limit - 3] + "..."
        shown.append(name)
        length += len(name) + 2
    text = ", ".join(shown) or "(none)"
    return f"{text} and {left} more" if left else text
