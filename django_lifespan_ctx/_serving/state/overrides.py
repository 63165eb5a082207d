"""override_state(): one resource replaced by a fake for one test, while the rest of the lifespan runs."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar, overload

from django_lifespan_ctx._config.keys import TEST_FIX, StateKey, check_typed_values, plain
from django_lifespan_ctx._engine.process import process_wide

T = TypeVar("T")

OVERRIDE = "override_state() in the test"

# Process-wide rather than a context variable: lifespan_in_thread() and the sync test
# client's lifespan run on a loop in another thread, which must see the test's overrides.
_active: list[dict[str, Any]] = []


@process_wide
def _reset() -> None:
    _active.clear()


# A typed key and its fake, checked by mypy and pyright; string keys as a mapping or keywords.
# (A StateKey is a str, so a (str, Any) overload would also accept a typed key's wrong fake.)
@overload
def override_state(
    key: StateKey[T], value: T, /, *, check_state_type: bool = True
) -> AbstractContextManager[None]: ...
@overload
def override_state(
    values: Mapping[str, Any] | None = None, /, *, check_state_type: bool = True, **by_name: Any
) -> AbstractContextManager[None]: ...


def override_state(*args: Any, check_state_type: bool = True, **by_name: Any) -> AbstractContextManager[None]:
    """Replace resources with fakes for the lifespans and test clients used inside the block.

    ``with override_state(PAYMENTS_CLIENT, fake):`` - the context that yields the
    key is still entered and exited, and the state holds ``fake`` instead of what
    it yielded; a key nobody yields is added. Test clients' requests see the fakes
    too, even over a state made before the block. A fake of a typed key must be an
    instance of the key's type unless ``check_state_type=False``.
    """
    if len(args) == 2 and not by_name:
        values: dict[str, Any] = {args[0]: args[1]}
    elif len(args) <= 1:
        values = {**(args[0] if args and args[0] is not None else {}), **by_name}
    else:
        raise TypeError(
            "override_state() takes a key and its fake, override_state(KEY, fake), "
            'or a mapping of keys to fakes, override_state({"client": fake}).'
        )
    return _overriding(values, check_state_type)


@contextmanager
def _overriding(values: dict[str, Any], check: bool) -> Generator[None, None, None]:
    for key in values:
        if not isinstance(key, str):  # pyright: ignore[reportUnnecessaryIsInstance]  # untyped callers
            raise TypeError(f"override_state(): the key {key!r} is not a state key (a string or a StateKey).")
    if check:
        check_typed_values(values, f"{OVERRIDE} gave", TEST_FIX)
    layer = plain_keys(values)
    _active.append(layer)
    try:
        yield
    finally:
        # By identity: an inner block may have ended out of order (a fixture torn down late).
        for index, active_layer in enumerate(_active):
            if active_layer is layer:
                del _active[index]
                break


@contextmanager
def overrides_for_test(values: Mapping[str, Any] | None, check: bool) -> Generator[None, None, None]:
    """The ``overrides=`` of the test helpers: their check_state_type=False covers the fakes too."""
    if not values:
        yield
        return
    with _overriding(dict(values), check):
        yield


def active() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for layer in _active:
        merged.update(layer)  # The innermost block wins.
    return merged


def plain_keys(values: Mapping[str, Any]) -> dict[str, Any]:
    return {plain(key): value for key, value in values.items()}


def yielded_values(values: dict[str, Any], context: str) -> dict[str, Any]:
    """What a context yielded, for the state: typed values checked (fakes were already), the
    test's fakes in place, every key an exact str (see _keys.plain)."""
    fakes = active() if _active else {}
    check_typed_values(
        {key: value for key, value in values.items() if key not in fakes}, f"{context} yielded"
    )
    return {plain(key): fakes.get(key, value) for key, value in values.items()}


def add_unyielded(state: dict[str, Any], owners: dict[str, str]) -> None:
    """After startup: fakes for keys no context yielded join the state, owned by the override."""
    for key, value in active().items() if _active else ():
        if key not in state:
            state[key] = value
            owners[key] = OVERRIDE


def with_overrides(state: Mapping[str, Any]) -> dict[str, Any]:
    """A request's copy of ``state``, with the fakes of the blocks open now."""
    if not _active:
        return plain_keys(state)
    return {**plain_keys(state), **active()}
