"""The plan: apps' lifespan_contexts, LIFESPAN_CONTEXTS and registered contexts read into entries and groups.

Every problem is collected, not only the first: the system checks report them all.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FunctionType
from typing import Any, TypeGuard

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from django_lifespan_ctx._engine import check_ids
from django_lifespan_ctx._engine.spelling import did_you_mean
from django_lifespan_ctx._engine.words import article

SETTING = "LIFESPAN_CONTEXTS"
REGISTERED = "register_context()"
APP_ATTRIBUTE = "lifespan_contexts"
EXCLUDE_SETTING = "LIFESPAN_EXCLUDE_APPS"


@dataclass(frozen=True)
class Entry:
    name: str
    factory: Callable[..., Any]
    origin: str
    takes_state: bool
    # The label of the app whose AppConfig.lifespan_contexts lists it; None for the project's.
    app: str | None = None

    @property
    def owner(self) -> str:
        """How messages name it: the context, and the app that ships it."""
        return repr(self.name) if self.app is None else f"{self.name!r} (app {self.app!r})"


@dataclass(frozen=True)
class Group:
    members: tuple[Entry, ...]
    origin: str


Step = Entry | Group
Plan = tuple[Step, ...]


@dataclass(frozen=True)
class Problem:
    id: str
    message: str
    hint: str

    def __str__(self) -> str:
        return f"{check_ids.full(self.id)}: {self.message} HINT: {self.hint}"


class PlanError(ImproperlyConfigured):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class AppContexts:
    """The lifespan_contexts an installed app's AppConfig ships, or what reading them raised."""

    label: str
    contexts: Any
    error: Exception | None = None

    @property
    def origin(self) -> str:
        return f"app {self.label!r} {APP_ATTRIBUTE}"


_NOT_SHIPPED = object()


def ships_contexts(config: Any) -> bool:
    """Whether an AppConfig defines lifespan_contexts, without reading it.

    Not hasattr(): that reads a property, and takes an AttributeError raised
    inside it (a setting the project forgot) for "no contexts", dropping the
    app's contexts in silence.
    """
    return inspect.getattr_static(config, APP_ATTRIBUTE, _NOT_SHIPPED) is not _NOT_SHIPPED


def read_app_contexts(config: Any) -> AppContexts:
    try:
        return AppContexts(config.label, getattr(config, APP_ATTRIBUTE))
    except Exception as exc:
        # Any exception, AttributeError included: it is the app's problem, reported as such.
        return AppContexts(config.label, None, exc)


def is_group(raw: object) -> TypeGuard[Sequence[Any]]:
    """A nested list or tuple in LIFESPAN_CONTEXTS is a group."""
    return isinstance(raw, (list, tuple))


def same_raw(a: Any, b: Any) -> bool:
    if is_group(a) and is_group(b):
        return len(a) == len(b) and all(same_raw(x, y) for x, y in zip(a, b, strict=True))
    return a is b or (isinstance(a, str) and a == b)


def is_context_manager(obj: object) -> bool:
    """A context manager instance (not a class): often listed by mistake for its factory."""
    if isinstance(obj, type):
        return False
    kind = type(obj)
    return (hasattr(kind, "__aenter__") and hasattr(kind, "__aexit__")) or (
        hasattr(kind, "__enter__") and hasattr(kind, "__exit__")
    )


def describe_error(exc: BaseException) -> str:
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def import_hint(path: str, exc: BaseException) -> str:
    missing = getattr(exc, "name", None) if isinstance(exc, ModuleNotFoundError) else None
    if missing and not (path == missing or path.startswith(missing + ".")):
        # The module exists but one of *its* imports does not.
        return (
            f"{path.rsplit('.', 1)[0]!r} imports {missing!r}, which is not installed: "
            f"install the package that provides it, or remove that import."
        )
    if isinstance(exc, ImportError):
        nearest = did_you_mean(path)
        if nearest is not None:
            return f"Did you mean {nearest!r}?"
        return "Check the dotted path: it must name a module attribute, like 'myapp.lifespan.http_client'."
    module = path.rsplit(".", 1)[0]
    return f'The module raised while being imported: `python -c "import {module}"` shows where.'


def maker_of(context_manager: Any) -> str:
    """The dotted name of what made a context manager: the decorated function, or its class."""
    # @contextmanager and @asynccontextmanager keep the function they wrap as .func.
    func = getattr(context_manager, "func", None)
    return describe(func if callable(func) else type(context_manager))


def service_name_of(factory: Any) -> str | None:
    """The name a background service is tracked by (readyz/, logs), if the factory is one."""
    name = getattr(factory, "lifespan_service_name", None)
    return name if isinstance(name, str) else None


def describe(obj: Any) -> str:
    module = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module and qualname:
        return f"{module}.{qualname}"
    return repr(obj)


class PlanBuilder:
    def __init__(self, label: str = SETTING) -> None:
        self.label = label
        self.problems: list[Problem] = []
        self.seen: dict[int, str] = {}
        self.service_names: dict[str, str] = {}  # Each service's name, and where it was listed.

    def problem(self, id: str, message: str, hint: str) -> None:
        self.problems.append(Problem(id, message, hint))

    def build(self, contexts: Any, registered: Sequence[Any], shipped: Sequence[AppContexts] = ()) -> Plan:
        """Apps' contexts, then the project's, then registered ones: the order they are entered in."""
        # The project's are read first: one it also lists is entered where it lists it.
        project = self.steps(contexts, self.label)
        from_apps: list[Step] = []
        for app in shipped:
            if app.error is not None:
                self.unreadable(app)
                continue
            from_apps += self.steps(app.contexts, app.origin, app=app.label, skip_listed=True)
        registrations = self.steps(list(registered), REGISTERED, numbered=False, skip_listed=True)
        return (*from_apps, *project, *registrations)

    def unreadable(self, app: AppContexts) -> None:
        assert app.error is not None
        self.problem(
            check_ids.APP_CONTEXTS_UNREADABLE,
            f"App {app.label!r}: reading its AppConfig.{APP_ATTRIBUTE} raised "
            f"{describe_error(app.error)}, so none of its contexts can be entered.",
            f"Fix the app's {APP_ATTRIBUTE} (a setting it reads may be missing), or leave its "
            f'contexts out with {EXCLUDE_SETTING} = ["{app.label}"].',
        )

    def steps(
        self,
        raw_list: Any,
        label: str,
        app: str | None = None,
        numbered: bool = True,
        skip_listed: bool = False,
    ) -> list[Step]:
        if not is_group(raw_list):
            where = "" if app is None else " on the app's AppConfig"
            written = label if app is None else APP_ATTRIBUTE
            self.problem(
                check_ids.CONTEXTS_NOT_A_LIST,
                f"{label} must be a list or tuple, not {type(raw_list).__name__}.",
                f'Write {written} = ["myapp.lifespan.my_context", ...]{where}.',
            )
            return []
        steps: list[Step] = []
        for index, raw in enumerate(raw_list):
            # An app may list what the project also lists, to fix its place: the
            # project's entry wins and the app's is skipped.
            if skip_listed and self.already_listed(raw):
                continue
            step = self.step(raw, f"{label}[{index}]" if numbered else label, app)
            if step is not None:
                steps.append(step)
        return steps

    def already_listed(self, raw: Any) -> bool:
        if is_group(raw):
            return False
        obj = raw
        if isinstance(raw, str):
            try:
                obj = import_string(raw)
            except Exception:
                return False  # Reported where the registration itself is read.
        return id(obj) in self.seen

    def step(self, raw: Any, origin: str, app: str | None = None) -> Step | None:
        if is_group(raw):
            return self.group(raw, origin, app)
        return self.entry(raw, origin, app)

    def group(self, raw: Sequence[Any], origin: str, app: str | None = None) -> Group | None:
        if not raw:
            self.problem(
                check_ids.EMPTY_GROUP,
                f"{origin} is an empty group.",
                "A nested list or tuple is a group of contexts entered together: "
                "list at least one context in it, or remove it.",
            )
            return None
        members: list[Entry] = []
        for index, member in enumerate(raw):
            member_origin = f"{origin}[{index}]"
            if is_group(member):
                self.problem(
                    check_ids.NESTED_GROUP,
                    f"{member_origin} is a group inside a group.",
                    "Groups do not nest: list the members in the outer group, "
                    "or make them a separate group before or after it.",
                )
                continue
            entry = self.entry(member, member_origin, app)
            if entry is not None:
                members.append(entry)
        if len(members) != len(raw):
            return None
        return Group(tuple(members), origin)

    def entry(self, raw: Any, origin: str, app: str | None = None) -> Entry | None:
        known = None if isinstance(raw, str) else _known(raw)
        if known is not None:
            # Read before, and found to be a factory: only what depends on this plan is left.
            return self.listed(raw, known, origin, app)
        if isinstance(raw, str):
            name = raw
            try:
                factory = import_string(raw)
            except Exception as exc:
                # Any exception: a module can fail at import in any way, and a
                # check must report it, never crash.
                self.problem(
                    check_ids.PATH_DOES_NOT_IMPORT,
                    f"{origin} {raw!r} could not be imported: {describe_error(exc)}.",
                    import_hint(raw, exc),
                )
                return None
        elif callable(raw) or is_context_manager(raw):
            name, factory = describe(raw), raw
        else:
            self.problem(
                check_ids.ENTRY_OF_UNKNOWN_KIND,
                f"{origin} is {article(type(raw).__name__)} ({raw!r}).",
                "Each entry must be a dotted path, a callable that returns a context "
                "manager, or a list or tuple of those (a group).",
            )
            return None
        if not self.is_factory(factory, name, origin):
            return None
        takes_state = self.takes_state(factory, name, origin)
        if takes_state is None:
            return None
        known = Known(name, takes_state, service_name_of(factory))
        if not isinstance(raw, str):
            _remember(_factories, factory, known)
        return self.listed(factory, known, origin, app)

    def listed(self, factory: Any, known: Known, origin: str, app: str | None) -> Entry | None:
        name = known.name
        if id(factory) in self.seen:
            self.problem(
                check_ids.LISTED_TWICE,
                f"{origin} {name!r} is listed twice, also at {self.seen[id(factory)]}.",
                "Each context is entered once: remove one of the two entries.",
            )
            return None
        self.seen[id(factory)] = origin
        if not self.service_name_is_free(known.service, name, origin):
            return None
        entry = known.entry
        # Entries are immutable: the one made for this factory last time serves again, if
        # it was listed in the same place.
        if entry is None or entry.origin != origin or entry.app != app or entry.factory is not factory:
            entry = known.entry = Entry(name, factory, origin, known.takes_state, app)
        return entry

    def service_name_is_free(self, service: str | None, name: str, origin: str) -> bool:
        """Services are told apart by name (readyz/, logs, telemetry): two of one name would hide one."""
        if service is None:
            return True
        first = self.service_names.setdefault(service, f"{name} at {origin}")
        if first == f"{name} at {origin}":
            return True
        self.problem(
            check_ids.SERVICE_NAME_TWICE,
            f"Two services are named {service!r}: {first}, and {name} at {origin}.",
            "readyz/, the logs and telemetry tell services apart by name, so one would hide the "
            'other: give one of the two a name of its own, with name="..." in its background() '
            "or every().",
        )
        return False

    def is_factory(self, factory: Any, name: str, origin: str) -> bool:
        """Catch what is often listed instead of a factory: each has its own id and fix."""
        kind = kind_of(factory)
        if kind == "context manager":
            maker = maker_of(factory)
            self.problem(
                check_ids.INSTANCE_NOT_FACTORY,
                f"{origin} {name!r} is a context manager ({type(factory).__name__}), "
                "not a factory that makes one.",
                f"List {maker!r}, the factory that makes it, not a context manager it made: "
                f"a context manager can be entered only once, and the factory makes a fresh "
                "one for each startup.",
            )
            return False
        if kind == "not callable":
            self.problem(
                check_ids.INSTANCE_NOT_FACTORY,
                f"{origin} {name!r} is {article(type(factory).__name__)}, which is not callable.",
                "List the factory that makes the context manager (for example the "
                "@asynccontextmanager function), not a context manager it made.",
            )
            return False
        if kind == "async generator function":
            self.problem(
                check_ids.ASYNC_GENERATOR_UNDECORATED,
                f"{origin} {name!r} is an async generator function, not a context manager factory.",
                "Decorate it with @contextlib.asynccontextmanager.",
            )
            return False
        if kind == "generator function":
            self.problem(
                check_ids.GENERATOR_UNDECORATED,
                f"{origin} {name!r} is a generator function, not a context manager factory.",
                "Decorate it with @contextlib.contextmanager (or make it an async "
                "generator decorated with @contextlib.asynccontextmanager).",
            )
            return False
        if kind == "coroutine function":
            self.problem(
                check_ids.PLAIN_COROUTINE_FUNCTION,
                f"{origin} {name!r} is a plain `async def`, not a context manager factory.",
                'Make it yield the state once (`yield {"key": value}`) and decorate '
                "it with @contextlib.asynccontextmanager.",
            )
            return False
        return True

    def takes_state(self, factory: Callable[..., Any], name: str, origin: str) -> bool | None:
        shape = shape_of(factory)
        if shape is None:
            return False  # No signature to read (some builtins): call it bare.
        keyword_only, positional, required = shape
        if keyword_only:
            self.problem(
                check_ids.KEYWORD_ONLY_ARGUMENT,
                f"{origin} {name!r} requires the keyword-only argument(s) {', '.join(keyword_only)}.",
                "A context factory is called with no arguments, or with the state so far "
                "as its one positional argument: give keyword-only parameters defaults, or "
                "wrap the factory with functools.partial.",
            )
            return None
        if required > 1:
            self.problem(
                check_ids.TOO_MANY_POSITIONAL_ARGUMENTS,
                f"{origin} {name!r} requires {required} positional arguments.",
                "A context factory takes no arguments, or one: the state yielded by the entries before it.",
            )
            return None
        return required == 1 or positional == 1


# Inspecting a factory is most of what building a plan costs, and the plan is
# built at every startup (and by every check): each factory is read once.
_kinds: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()
# What takes_state needs of a signature: the required keyword-only parameters' names,
# how many parameters can be passed by position, and how many of those are required.
Shape = tuple[tuple[str, ...], int, int]
_shapes: weakref.WeakKeyDictionary[Any, Shape | None] = weakref.WeakKeyDictionary()


class Known:
    """A factory listed as an object (not a dotted path) that passed every check of its own.

    What depends on the plan it is in (listed twice, a service name taken) is
    checked each time; the Entry last made for it is kept, to serve again.
    """

    __slots__ = ("entry", "name", "service", "takes_state")

    def __init__(self, name: str, takes_state: bool, service: str | None) -> None:
        self.name, self.takes_state, self.service = name, takes_state, service
        self.entry: Entry | None = None


_factories: weakref.WeakKeyDictionary[Any, Known] = weakref.WeakKeyDictionary()


_MISSING = object()


def _cached(cache: weakref.WeakKeyDictionary[Any, Any], factory: Any, read: Callable[[Any], Any]) -> Any:
    try:
        value = cache.get(factory, _MISSING)
    except TypeError:
        value = _MISSING
    if value is not _MISSING:
        return value
    value = read(factory)
    _remember(cache, factory, value)
    return value


def _remember(cache: weakref.WeakKeyDictionary[Any, Any], factory: Any, value: Any) -> None:
    try:
        cache[factory] = value
    except TypeError:
        pass  # Not weakly referable, or unhashable: read again next time.


def _known(factory: Any) -> Known | None:
    try:
        return _factories.get(factory)
    except TypeError:  # Unhashable: read every time.
        return None


# A plain function's code says what inspect's is...function() would, without their unwrapping.
_CODE_KINDS = (
    (inspect.CO_ASYNC_GENERATOR, "async generator function"),
    (inspect.CO_GENERATOR, "generator function"),
    (inspect.CO_COROUTINE, "coroutine function"),
)


def _read_kind(factory: Any) -> str | None:
    if type(factory) is FunctionType and "_is_coroutine_marker" not in factory.__dict__:
        flags = factory.__code__.co_flags
        return next((kind for flag, kind in _CODE_KINDS if flags & flag), None)
    if is_context_manager(factory):
        return "context manager"
    if not callable(factory):
        return "not callable"
    if inspect.isasyncgenfunction(factory):
        return "async generator function"
    if inspect.isgeneratorfunction(factory):
        return "generator function"
    if inspect.iscoroutinefunction(factory):
        return "coroutine function"
    return None


def _read_shape(factory: Callable[..., Any]) -> Shape | None:
    shape = _code_shape(factory)
    if shape is not None:
        return shape
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    parameters = signature.parameters.values()
    keyword_only = tuple(p.name for p in parameters if p.kind is p.KEYWORD_ONLY and p.default is p.empty)
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return keyword_only, len(positional), sum(1 for p in positional if p.default is p.empty)


def _code_shape(factory: Any) -> Shape | None:
    """A plain function's shape read from its code, as inspect.signature would, at a tenth of the cost.

    inspect.signature is most of what building a process's first plan costs. It reads
    a function (through functools.wraps' __wrapped__, as @asynccontextmanager leaves
    it) from the same attributes; anything else (a __signature__, a partial, a
    method, a class) is left to it: None.
    """
    function = factory
    for _ in range(100):  # inspect.unwrap's own guard against a cycle is a ValueError: leave it to it.
        if type(function) is not FunctionType:
            return None
        fields = function.__dict__
        if "__signature__" in fields or "_partialmethod" in fields or "__partialmethod__" in fields:
            return None
        wrapped = fields.get("__wrapped__")
        if wrapped is None:
            break
        function = wrapped
    else:
        return None
    code = function.__code__
    positional = code.co_argcount
    defaults = function.__defaults__ or ()
    given = function.__kwdefaults__ or {}
    keyword_only = code.co_varnames[positional : positional + code.co_kwonlyargcount]
    required_keywords = tuple(name for name in keyword_only if name not in given)
    return required_keywords, positional, positional - len(defaults)


def kind_of(factory: Any) -> str | None:
    """What a listed object is when it is not a context factory; None when it may be one."""
    return _cached(_kinds, factory, _read_kind)  # type: ignore[no-any-return]


def shape_of(factory: Callable[..., Any]) -> Shape | None:
    return _cached(_shapes, factory, _read_shape)  # type: ignore[no-any-return]
