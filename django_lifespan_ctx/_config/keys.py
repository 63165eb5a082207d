"""StateKey: a typed key that an app declares once, read back typed with no project-wide state type."""

from __future__ import annotations

import builtins
import sys
from collections.abc import Callable, Generator, Mapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from asgiref.sync import iscoroutinefunction

T = TypeVar("T")

# Every key declared in this process, by its string: what pickling finds a key again by.
_declared: dict[str, StateKey[Any]] = {}
# How many test opt-outs (check_state_type=False) are open: typed values go unchecked meanwhile.
_unchecked = 0


class StateKey(str, Generic[T]):
    """A state key with a type: ``CLIENT = StateKey("client", httpx.AsyncClient)``, declared once.

    A context yields ``{CLIENT: client}``, and ``request.state[CLIENT]``,
    ``current_state()[CLIENT]`` and every test helper's state read it back as an
    ``httpx.AsyncClient`` under mypy and pyright, without LIFESPAN_STATE_TYPE.
    Startup fails when a context yields a value that is not an instance of the
    key's class. ``check`` (a function, sync or async, that takes the value) is
    the resource's health check, run by ``readyz/``. A test replaces the value with
    [`override_state(CLIENT, fake)`][django_lifespan_ctx.testing.override_state].

    The key is a ``str`` whose text is the module that declared it and the name,
    ``"payments.keys:client"``: two apps' keys named ``"client"`` are two keys, and
    a read is a plain dict lookup.
    """

    name: str
    type: builtins.type[T]
    check: Callable[[T], Any] | None
    module: str

    def __new__(
        cls,
        name: str,
        type: builtins.type[T],
        /,
        *,
        check: Callable[[T], Any] | None = None,
        module: str | None = None,
    ) -> StateKey[T]:
        if not name:
            raise TypeError("StateKey(): the name must be a non-empty string, such as 'client'.")
        if check is not None and not callable(check):
            raise TypeError(
                f"StateKey({name!r}, ..., check={check!r}): check must be a function taking the value."
            )
        # The declaring module tells the owning app apart; a key made by a helper can pass module= itself.
        declared_in = module if module is not None else _caller_module()
        key = super().__new__(cls, f"{declared_in}:{name}")
        key.name, key.type, key.check, key.module = name, type, check, declared_in
        _declared[str(key)] = key  # The latest, should a module be imported again.
        return key

    @property
    def app(self) -> str | None:
        """The label of the installed app whose package declared the key, once apps are ready."""
        from django.apps import apps

        if not apps.ready:
            return None
        config = apps.get_containing_app_config(self.module)
        return None if config is None else config.label

    def __repr__(self) -> str:
        app = self.app
        where = f"app={app!r}" if app else f"module={self.module!r}"
        return f"StateKey({self.name!r}, {_describe(self.type)}, {where})"

    def __reduce__(self) -> tuple[Callable[[str], StateKey[Any]], tuple[str]]:
        return (_find, (str(self),))


def _caller_module() -> str:
    frame = sys._getframe(2)  # pyright: ignore[reportPrivateUsage]  # StateKey() -> __new__ -> here
    return str(frame.f_globals.get("__name__", "__main__"))


def declared_keys() -> list[StateKey[Any]]:
    """The keys installed apps declared so far in this process, by app and name (for listings)."""
    owned = [key for key in _declared.values() if key.app is not None]
    return sorted(owned, key=lambda key: (key.app or "", key.name))


def typed(key: str) -> StateKey[Any] | None:
    """The StateKey that ``key`` is, or whose text it is (the state's keys); None for a string key."""
    return _declared.get(key)


def plain(key: str) -> str:
    """The key as an exact ``str``, as the state stores it.

    A dict whose keys are all exact strings keeps CPython's fast paths: attribute reads
    of the request's State (``request.state.client``) would lose theirs with one str
    subclass among the keys. A read by the StateKey finds the same entry (equal text).
    """
    return str.__str__(key)


def _find(text: str) -> StateKey[Any]:
    """The key a pickled one stood for: the same object, once its module is imported."""
    if text not in _declared:
        __import__(text.partition(":")[0])
    return _declared[text]


def _describe(hint: Any) -> str:
    from django_lifespan_ctx._config.type_hints import describe

    return describe(hint)


def key_label(key: str) -> str:
    """How listings show a key: a string key as itself, a typed key with its owning app."""
    typed_key = typed(key)
    if typed_key is None:
        return key
    app = typed_key.app
    return f"{typed_key.name} (app {app})" if app else f"{typed_key.name} ({typed_key.module})"


CONTEXT_FIX = "Yield an instance of {type}, or declare the key with the type the context yields."
TEST_FIX = (
    "Give a fake that is an instance of {type} (a subclass, or a Mock(spec=...)), or leave the "
    "check out of this test with check_state_type=False."
)


def type_problem(key: str, value: Any, source: str, fix: str = CONTEXT_FIX) -> str | None:
    """Why ``value`` cannot be the value of ``key``, or None if it can.

    ``source`` says who set it, verb included (``"'ctx' (app 'shop') yielded"``), and the
    key's repr names its app; ``fix`` is the advice, with ``{type}`` for the key's type.
    """
    typed_key = typed(key)
    if typed_key is None or _unchecked:
        return None
    from django_lifespan_ctx._config.type_hints import matches

    if matches(value, typed_key.type):
        return None
    expected = _describe(typed_key.type)
    return (
        f"{source} {typed_key!r} = {_describe(type(value))}, which is not {expected}, the key's type. "
        + fix.format(type=expected)
    )


def check_typed_values(values: Mapping[str, Any], source: str, fix: str = CONTEXT_FIX) -> None:
    """TypeError for the first value of the wrong type (see type_problem)."""
    for key, value in values.items():
        problem = type_problem(key, value, source, fix)
        if problem:
            raise TypeError(problem)


@contextmanager
def typed_values_unchecked() -> Generator[None, None, None]:
    """The test opt-out (check_state_type=False) for typed keys, as for LIFESPAN_STATE_TYPE."""
    global _unchecked
    _unchecked += 1
    try:
        yield
    finally:
        _unchecked -= 1


# -- Health checks that travel with their keys: run by health.run_checks as LIFESPAN_HEALTH_CHECKS are --


class _SyncKeyCheck:
    def __init__(self, key: StateKey[Any], check: Callable[[Any], Any]) -> None:
        self.key, self.check = key, check

    def __call__(self, state: Mapping[str, Any]) -> Any:
        return self.check(state[self.key])


class _AsyncKeyCheck(_SyncKeyCheck):
    # An async __call__: health.CheckCall runs it as a task instead of in a thread.
    async def __call__(self, state: Mapping[str, Any]) -> Any:
        return await self.check(state[self.key])


def key_checks(state: Mapping[str, Any]) -> dict[str, Callable[[Any], Any]]:
    """The health checks of the typed keys in ``state``, named as listings name their keys."""
    found: dict[str, Callable[[Any], Any]] = {}
    for key in state:
        typed_key = typed(key)
        if typed_key is not None and typed_key.check is not None:
            check = typed_key.check
            asynchronous = iscoroutinefunction(check) or iscoroutinefunction(type(check).__call__)
            found[key_label(key)] = (_AsyncKeyCheck if asynchronous else _SyncKeyCheck)(typed_key, check)
    return found
