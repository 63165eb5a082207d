"""What a TypedDict or Protocol promises about the state: its members, and whether a value matches.

Pure introspection of type hints, with no settings: the state type's checks
(statetype.py) and typed keys (keys.py) both ask it.
"""

from __future__ import annotations

import sys
import types
import typing
from collections.abc import Callable
from typing import Any, NamedTuple

from django_lifespan_ctx._engine.state import StateMapping

# Qualifiers around the type that is checked: Required[int] is checked as int.
QUALIFIERS = {"Required", "NotRequired", "ReadOnly", "Annotated", "Final", "ClassVar"}
TYPING_MODULES = {"typing", "typing_extensions", "builtins"}


class Member(NamedTuple):
    """One key the state type describes."""

    name: str
    hint: Any  # Any when the annotation cannot be evaluated at run time
    required: bool


def is_typeddict(candidate: Any) -> bool:
    # Duck-typed, so typing_extensions' TypedDicts count too on every Python.
    keys = getattr(candidate, "__required_keys__", None)
    return keys is not None and isinstance(candidate, type) and issubclass(candidate, dict)


def is_protocol(candidate: Any) -> bool:
    return isinstance(candidate, type) and bool(getattr(candidate, "_is_protocol", False))


def _own_bases(cls: type) -> list[type]:
    # The user's classes, base first; typing's own (Protocol, Generic, dict) have no
    # keys, and StateMapping's methods are the state's own, not keys.
    return [
        base
        for base in reversed(cls.__mro__)
        if base.__module__ not in TYPING_MODULES and base is not StateMapping
    ]


def _evaluate(annotation: Any, base: type) -> tuple[Any, bool]:
    """The annotation evaluated where it was written, and whether that worked."""
    if not isinstance(annotation, str):
        return annotation, True
    namespace = vars(sys.modules[base.__module__]) if base.__module__ in sys.modules else {}
    try:
        return eval(annotation, dict(namespace), dict(vars(base))), True
    except Exception:
        # A name imported under `if TYPE_CHECKING:`: the key is still required.
        return Any, False


def hints(cls: type) -> tuple[dict[str, Any], list[str]]:
    """Every annotated key with its type, and the keys whose type cannot be evaluated."""
    try:
        return typing.get_type_hints(cls), []
    except Exception:
        pass
    found: dict[str, Any] = {}
    unresolved: list[str] = []
    for base in _own_bases(cls):
        for name, annotation in vars(base).get("__annotations__", {}).items():
            found[name], ok = _evaluate(annotation, base)
            if not ok:
                unresolved.append(name)
    return found, unresolved


def _return_hint(function: Callable[..., Any] | None) -> Any:
    try:
        return typing.get_type_hints(function).get("return", Any)
    except Exception:
        return Any


def members(cls: type) -> list[Member]:
    annotated, _ = hints(cls)
    if is_typeddict(cls):
        required: frozenset[str] = cls.__required_keys__  # type: ignore[attr-defined]
        return [Member(name, _unwrap(hint), name in required) for name, hint in annotated.items()]
    found = [Member(name, _unwrap(hint), True) for name, hint in annotated.items()]
    # A Protocol may also describe a key as a property, or as a method (a callable value).
    for base in _own_bases(cls):
        for name, value in vars(base).items():
            if name.startswith("_") or name in annotated:
                continue
            if isinstance(value, property):
                found.append(Member(name, _unwrap(_return_hint(value.fget)), True))
            elif callable(value):
                found.append(Member(name, typing.Callable, True))
    return found


def _unwrap(hint: Any) -> Any:
    while _name_of(typing.get_origin(hint)) in QUALIFIERS:
        hint = typing.get_args(hint)[0]
    return hint


def _name_of(origin: Any) -> str:
    return str(getattr(origin, "_name", None) or getattr(origin, "__name__", ""))


def matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` fits ``hint``, as far as that can be told at run time."""
    if hint is Any or hint is object or isinstance(hint, (typing.TypeVar, typing.ParamSpec)):
        return True
    if hint is None or hint is type(None):
        return value is None
    if isinstance(hint, typing.NewType):
        return matches(value, hint.__supertype__)
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(matches(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return any(value == arg and type(value) is type(arg) for arg in typing.get_args(hint))
    if _name_of(origin) in QUALIFIERS:
        return matches(value, _unwrap(hint))
    if origin is not None:
        # list[int] is checked as a list: the items would cost a walk over the value.
        return _isinstance(value, origin)
    if is_typeddict(hint):
        return isinstance(value, dict)
    if is_protocol(hint) and not getattr(hint, "_is_runtime_protocol", False):
        return True  # isinstance() works only with @runtime_checkable protocols.
    return _isinstance(value, hint)


def _isinstance(value: Any, hint: Any) -> bool:
    try:
        return isinstance(value, hint)
    except TypeError:
        return True  # Not something isinstance() understands (a string, a special form): pass.


def describe(hint: Any) -> str:
    if isinstance(hint, type) and not typing.get_args(hint):
        if hint.__module__ == "builtins":
            return hint.__qualname__
        return f"{hint.__module__}.{hint.__qualname__}"
    return repr(hint).replace("typing.", "")
