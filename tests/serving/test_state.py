from __future__ import annotations

import copy
import pickle
from collections.abc import MutableMapping
from typing import Any

import pytest

from django_lifespan_ctx import State
from django_lifespan_ctx._engine.state import shadowed_method_warning
from django_lifespan_ctx._serving.state.scope import set_process_state, state_for_scope, state_from_scope

# Every public method of State, as a key: each must read back as the key.
METHOD_NAMES = ["clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault"]
METHOD_NAMES += ["update", "values"]


def test_item_and_attribute_access_read_the_same_keys() -> None:
    state = State({"client": "c"})
    assert state["client"] == state.client == "c"
    state.pool = "p"
    state["cache"] = "k"
    assert state.cache == "k" and state["pool"] == "p"


def test_writes_reach_the_dict_it_wraps() -> None:
    data: dict[str, Any] = {"client": "c", "gone": 0, "popped": 0}
    state = State(data)
    state.pool = "p"
    state["cache"] = "k"
    state.update({"more": 1}, extra=2)
    state |= {"merged": 3}
    state.setdefault("default", 4)
    del state.gone
    state.pop("popped")
    assert data == {
        "client": "c",
        "pool": "p",
        "cache": "k",
        "more": 1,
        "extra": 2,
        "merged": 3,
        "default": 4,
    }
    key, _ = state.popitem()
    assert key not in data
    state.clear()
    assert data == {}


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_keys_win_over_methods_on_attribute_reads(name: str) -> None:
    state = State({name: [name]})
    assert getattr(state, name) == [name]
    getattr(state, name).append(1)  # Starlette's own tests do state.items.append(1).
    assert state[name] == [name, 1]


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_attribute_writes_of_method_names_read_back_as_written(name: str) -> None:
    state = State()
    setattr(state, name, "mine")
    assert getattr(state, name) == "mine" and state[name] == "mine"
    delattr(state, name)
    assert callable(getattr(state, name))  # The method again, once the key is gone.


def test_the_mapping_protocol_works_whatever_the_keys_are() -> None:
    data = {name: index for index, name in enumerate(METHOD_NAMES)}
    state = State(data)

    def keywords(**kwargs: Any) -> dict[str, Any]:
        return kwargs

    assert dict(state) == {**state} == keywords(**state) == data
    assert list(state) == METHOD_NAMES and len(state) == len(METHOD_NAMES)
    assert "keys" in state and "missing" not in state
    assert State.get(state, "items") == 4 and dict.keys(state) == data.keys()
    assert isinstance(state, MutableMapping) and state == data


def test_method_calls_still_work_for_names_that_are_not_keys() -> None:
    state = State({"a": 1, "b": 2})
    assert state.get("a") == 1 and state.get("z", "default") == "default"
    assert dict(state.items()) == {"a": 1, "b": 2} and list(state.keys()) == ["a", "b"]


def test_missing_item_lists_the_keys_present() -> None:
    with pytest.raises(KeyError) as info:
        State({"client": 1, "pool": 2})["cleint"]
    assert str(info.value) == "'cleint' is not in the lifespan state. Keys present: 'client', 'pool'."


def test_missing_attribute_lists_the_keys_present() -> None:
    with pytest.raises(AttributeError, match="Keys present: 'client'"):
        State({"client": 1}).pool  # noqa: B018


def test_empty_state_says_why_it_usually_is_empty() -> None:
    with pytest.raises(KeyError, match="server sent no lifespan events"):
        State()["client"]
    with pytest.raises(AttributeError, match="server sent no lifespan events"):
        State().client  # noqa: B018


def test_deleting_or_popping_a_missing_key_raises_the_same_errors() -> None:
    state = State({"a": 1})
    del state.a
    with pytest.raises(AttributeError, match="'a' is not in the lifespan state"):
        del state.a
    with pytest.raises(KeyError, match="'a' is not in the lifespan state"):
        del state["a"]
    with pytest.raises(KeyError, match="'a' is not in the lifespan state"):
        state.pop("a")
    assert state.pop("a", "fallback") == "fallback"


def test_dunder_probes_are_not_state_lookups() -> None:
    state = State({"a": [1]})
    assert not hasattr(state, "__html__")
    shallow = copy.copy(state)
    assert shallow["a"] is state["a"] and type(shallow) is State
    shallow.b = 2  # A copy writes to itself only.
    assert "b" not in state
    assert state.copy() == state and type(state.copy()) is State
    assert copy.deepcopy(state) == {"a": [1]}
    restored = pickle.loads(pickle.dumps(state))
    assert restored == {"a": [1]} and restored.a == [1]


def test_repr_shows_the_contents() -> None:
    assert repr(State({"a": 1})) == "State({'a': 1})"


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_a_key_that_hides_a_method_gets_a_warning_saying_how_to_reach_it(name: str) -> None:
    message = shadowed_method_warning(name, "myproject.lifespan.api")
    assert message is not None
    assert f"'myproject.lifespan.api' yielded the key {name!r}" in message
    assert f"State.{name}(state, ...)" in message


def test_ordinary_keys_get_no_warning() -> None:
    assert shadowed_method_warning("client", "ctx") is None
    assert shadowed_method_warning("item", "ctx") is None


def test_a_scope_has_one_state_object_however_often_it_is_asked() -> None:
    server_copy = {"client": 1}
    scope: dict[str, Any] = {"type": "http", "state": server_copy}
    first = state_for_scope(scope)
    assert state_for_scope(scope) is first is scope["state"] is state_from_scope(scope)
    first.written = 2
    assert server_copy == {"client": 1, "written": 2}


def test_setdefault_keeps_a_key_that_is_there() -> None:
    state = State({"a": 1})
    assert state.setdefault("a", 2) == 1 and state.a == 1


def test_a_scope_without_state_gets_a_copy_of_the_process_state() -> None:
    set_process_state({"alpha": 1})
    scope: dict[str, Any] = {"type": "websocket"}
    state = state_from_scope(scope)
    state.mine = 2
    assert state == {"alpha": 1, "mine": 2} and state_for_scope(scope) is state
    assert "mine" not in state_from_scope({"type": "websocket"})


def test_a_scope_without_state_gets_an_empty_one() -> None:
    scope: dict[str, Any] = {"type": "http"}
    state = state_for_scope(scope)
    assert state == {} and state_for_scope(scope) is state
