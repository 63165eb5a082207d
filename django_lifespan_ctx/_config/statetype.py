"""LIFESPAN_STATE_TYPE: the state checked against a TypedDict or Protocol after startup."""

from __future__ import annotations

import functools
import sys
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from django.core import checks
from django.utils.module_loading import import_string

from django_lifespan_ctx._config.conf import conf
from django_lifespan_ctx._engine import check_ids
from django_lifespan_ctx._engine.state import State, StateMapping

# Qualifiers around the type that is checked: Required[int] is checked as int.
QUALIFIERS = {"Required", "NotRequired", "ReadOnly", "Annotated", "Final", "ClassVar"}
TYPING_MODULES = {"typing", "typing_extensions", "builtins"}


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
