from __future__ import annotations

import copy
import pickle

import pytest

from django_lifespan_ctx import State


def test_item_and_attribute_access_read_the_same_dict() -> None:
    data = {"client": "c"}
    state = State(data)
    assert state["client"] == state.client == "c"
    state.pool = "p"
    state["cache"] = "k"
    assert data == {"client": "c", "pool": "p", "cache": "k"}


def test_mapping_protocol() -> None:
    state = State({"a": 1, "b": 2})
    assert "a" in state and "z" not in state
    assert list(state) == ["a", "b"]
    assert len(state) == 2
    assert state.get("a") == 1
    assert state.get("z", "default") == "default"
    assert dict(state.items()) == {"a": 1, "b": 2}


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


def test_deleting_a_missing_key_raises_the_same_errors() -> None:
    state = State({"a": 1})
    del state.a
    with pytest.raises(AttributeError, match="'a' is not in the lifespan state"):
        del state.a
    with pytest.raises(KeyError, match="'a' is not in the lifespan state"):
        del state["a"]


def test_dunder_probes_are_not_state_lookups() -> None:
    state = State({"a": [1]})
    assert not hasattr(state, "__html__")
    shallow = copy.copy(state)
    assert shallow["a"] is state["a"]
    assert pickle.loads(pickle.dumps(state)) == {"a": [1]}


def test_repr_shows_the_contents() -> None:
    assert repr(State({"a": 1})) == "State({'a': 1})"
