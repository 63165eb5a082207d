"""LIFESPAN_STATE_TYPE: loaded, checked as a setting, and the state checked against it after startup.

What the type promises is read by type_hints.py.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Mapping
from typing import Any

from django.core import checks
from django.utils.module_loading import import_string

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._config.type_hints import (
    describe,
    hints,
    is_protocol,
    is_typeddict,
    matches,
    members,
)
from django_lifespan_ctx._engine import check_ids
from django_lifespan_ctx._engine.state import State


class StateTypeError(TypeError):
    """LIFESPAN_STATE_TYPE itself is wrong; ``check_id`` is its system check's id."""

    def __init__(self, message: str, check_id: str) -> None:
        super().__init__(message)
        self.check_id = check_id


UNSET = "no context or asgi_startup receiver set it"


class StateTypeMismatch(TypeError):
    """The state does not match LIFESPAN_STATE_TYPE; ``missing`` lists the required keys it lacks."""

    def __init__(self, message: str, path: str, missing: list[str]) -> None:
        super().__init__(message)
        self.path = path
        self.missing = missing


def load_state_type(path: object) -> type:
    """The class a LIFESPAN_STATE_TYPE value names; StateTypeError saying why not."""
    if not isinstance(path, str):
        raise StateTypeError(
            f"LIFESPAN_STATE_TYPE is {path!r}; it must be the dotted path of a TypedDict "
            "or a Protocol, such as 'myproject.state.ProjectState', or None.",
            check_ids.STATE_TYPE_NOT_A_PATH,
        )
    try:
        found = import_string(path)
    except ImportError as exc:
        raise StateTypeError(
            f"LIFESPAN_STATE_TYPE {path!r} does not import: {exc}", check_ids.STATE_TYPE_DOES_NOT_IMPORT
        ) from exc
    if not (is_typeddict(found) or is_protocol(found)):
        raise StateTypeError(
            f"LIFESPAN_STATE_TYPE {path!r} is {found!r}, which is neither a TypedDict nor a "
            "Protocol. Describe the state as `class ProjectState(Protocol):` with one annotated "
            "attribute per key (for request.state.key), or as a TypedDict (for request.state['key']).",
            check_ids.STATE_TYPE_OF_UNKNOWN_KIND,
        )
    return typing.cast(type, found)


def problems(state: Mapping[str, Any], owners: Mapping[str, str], cls: type, unset: str = UNSET) -> list[str]:
    found: list[str] = []
    for member in members(cls):
        if member.name not in state:
            if member.required:
                present = ", ".join(repr(key) for key in state) or "none"
                found.append(
                    f"the key {member.name!r} ({describe(member.hint)}) is missing: {unset} "
                    f"(keys present: {present})"
                )
            continue
        value = state[member.name]
        if not matches(value, member.hint):
            owner = owners.get(member.name)
            source = f"set by {owner}" if owner else "in the server's state before startup"
            found.append(
                f"the key {member.name!r} should be {describe(member.hint)}, but is "
                f"{describe(type(value))} ({source})"
            )
    return found


def check_state_type(state: Mapping[str, Any], owners: Mapping[str, str], unset: str = UNSET) -> None:
    """Raise StateTypeMismatch, naming the key and the context that yielded it, on a mismatch.

    ``owners`` maps each key to the name of the context (or receiver) that set
    it, and ``unset`` says why a key can be missing. Does nothing unless
    LIFESPAN_STATE_TYPE is set.
    """
    path = conf.LIFESPAN_STATE_TYPE
    if path is None:
        return
    cls = load_state_type(path)
    found = problems(state, owners, cls, unset)
    if found:
        missing = [member.name for member in members(cls) if member.required and member.name not in state]
        raise StateTypeMismatch(
            f"The lifespan state does not match LIFESPAN_STATE_TYPE {path!r}: " + "; ".join(found) + ".",
            path,
            missing,
        )


def check_state_type_setting(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The system check: LIFESPAN_STATE_TYPE imports and is a TypedDict or a Protocol."""
    path = conf.LIFESPAN_STATE_TYPE
    if path is None:
        return []
    hint = "Set LIFESPAN_STATE_TYPE to the dotted path of your state's TypedDict or Protocol, or to None."
    try:
        cls = load_state_type(path)
    except StateTypeError as exc:
        return [checks.Error(str(exc), hint=hint, id=check_ids.full(exc.check_id))]
    _, unresolved = hints(cls)
    if not unresolved:
        return []
    listed = ", ".join(repr(name) for name in unresolved)
    return [
        checks.Warning(
            f"LIFESPAN_STATE_TYPE {path!r}: the annotations of {listed} name something that is "
            "not importable at run time (imported under `if TYPE_CHECKING:`?), so startup checks "
            "that these keys are present but not the types of their values.",
            hint="Import the annotations' types at run time to have startup check them too.",
            id=check_ids.full(check_ids.STATE_TYPE_ONLY_FOR_TYPE_CHECKERS),
        )
    ]


# -- A type asked for in code: current_state(ProjectState), LifespanCommand[ProjectState] --


def is_state_description(candidate: object) -> bool:
    """Whether code may ask for the state as ``candidate``: a TypedDict, a Protocol or State."""
    if isinstance(candidate, type) and issubclass(candidate, State):
        return True
    return is_typeddict(candidate) or is_protocol(candidate)


def check_asked_type(asked: object, where: str) -> None:
    """Raise TypeError unless the state may be typed as ``asked``.

    ``asked`` must describe a state; when LIFESPAN_STATE_TYPE is set, it must
    also ask for nothing that type does not promise, since startup checks the
    state against LIFESPAN_STATE_TYPE only. ``where`` is a template such as
    ``"current_state({})"``, filled with the type's name only for an error.
    """
    path = conf.LIFESPAN_STATE_TYPE
    refusal = _refusal(asked, path) if isinstance(asked, type) else _not_a_state(asked)
    if refusal:
        name = getattr(asked, "__qualname__", repr(asked))
        raise TypeError(f"{where.format(name)}: {refusal}")


def _not_a_state(asked: object) -> str:
    return (
        f"{asked!r} does not describe a state. Pass the TypedDict or Protocol your views name "
        "in LifespanHttpRequest[...] (or State), such as ProjectState."
    )


@functools.lru_cache(maxsize=256)
def _refusal(asked: type[Any], path: str | None) -> str:
    # Settings change only under override_settings, which changes ``path``: a cache keyed
    # on both stays right, and current_state(ProjectState) costs a lookup per call.
    if not is_state_description(asked):
        return _not_a_state(asked)
    if path is None or issubclass(asked, State):
        return ""
    promised = load_state_type(path)
    found = _unpromised(asked, promised)
    if not found:
        return ""
    return (
        f"{describe(asked)} asks for what LIFESPAN_STATE_TYPE {path!r} does not promise: "
        f"{'; '.join(found)}. Startup checks the state against LIFESPAN_STATE_TYPE only, so "
        f"these reads would go unchecked. Describe these keys in {describe(promised)} too, or "
        f"ask for {promised.__qualname__} itself (or a type whose keys it has, with the same types)."
    )


def _unpromised(asked: type[Any], promised_type: type[Any]) -> list[str]:
    promised = {member.name: member for member in members(promised_type)}
    found: list[str] = []
    for member in members(asked):
        there = promised.get(member.name)
        if there is None:
            found.append(f"the key {member.name!r} ({describe(member.hint)}) is not in it")
        elif member.required and not there.required:
            found.append(f"the key {member.name!r} is required here but not there")
        elif not _narrower_or_same(there.hint, member.hint):
            found.append(
                f"the key {member.name!r} is {describe(there.hint)} there, not {describe(member.hint)}"
            )
    return found


def _narrower_or_same(promised: Any, asked: Any) -> bool:
    if promised == asked or promised is Any or asked is Any:
        return True  # Any: an annotation startup cannot evaluate either (W020).
    # Plain classes only: list[int] passes isinstance(..., type) on Python 3.10.
    if _plain_class(promised) and _plain_class(asked):
        return issubclass(promised, asked)
    return False


def _plain_class(hint: Any) -> bool:
    return isinstance(hint, type) and typing.get_origin(hint) is None


def state_type_argument(cls: type, generic: type) -> Any:
    """The type argument ``cls`` gave ``generic`` (``class C(Generic[ProjectState])``), or None."""
    for klass in cls.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            if typing.get_origin(base) is generic:
                (argument,) = typing.get_args(base)
                # A string (ForwardRef) cannot be checked: as if no type were given.
                return None if isinstance(argument, (typing.TypeVar, typing.ForwardRef)) else argument
    return None
