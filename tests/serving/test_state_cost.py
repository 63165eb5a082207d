"""What keeps reading request.state cheap, checked as behaviour.

The cost itself is a benchmark figure, not a test: `python -m benchmarks
instructions` prints it beside Django's own handler reading a module global
(docs/benchmarks.md). These tests keep the shape that figure depends on, and
check that the benchmark's views serve what its counts assume.
"""

from __future__ import annotations

import asyncio
import gc
from io import BytesIO
from typing import Any

from django.test import override_settings

from benchmarks.cases import CASES, FLOOR, expected_body
from benchmarks.driver import http_scope, request
from benchmarks.per_request import build
from django_lifespan_ctx import State
from django_lifespan_ctx._serving.state.request import LifespanASGIRequest
from django_lifespan_ctx._serving.state.scope import state_for_scope


@override_settings(
    ROOT_URLCONF="benchmarks.urls",
    MIDDLEWARE=[],
    LIFESPAN_CONTEXTS=["benchmarks.views.shared_client"],
)
def test_every_benchmark_case_serves_the_body_its_count_assumes() -> None:
    # Each case is counted with its own view first in the URL list (instructions.serve).
    loop = asyncio.new_event_loop()
    try:
        apps, state, lifespans = build(loop)
        served = [case for case in CASES if case.handler in apps]
        assert FLOOR in [case.name for case in served]
        for case in served:
            body = loop.run_until_complete(request(apps[case.handler], case.path, state))
            assert body == expected_body(case), case
        for lifespan in lifespans:
            loop.run_until_complete(lifespan.shutdown())
    finally:
        loop.close()


def test_a_request_state_is_freed_with_its_request_not_by_the_garbage_collector() -> None:
    # A State that referred to itself would be a cycle: every request that reads
    # the state would leave garbage for the collector.
    gc.disable()
    try:
        gc.collect()
        scope = http_scope("/", {"client": object()})
        django_request = LifespanASGIRequest(scope, BytesIO())
        assert django_request.state["client"] is django_request.state.client
        del django_request, scope
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_first_read_wraps_the_servers_per_request_copy_without_copying_it_again() -> None:
    server_copy: dict[str, Any] = {"client": "c"}
    scope = http_scope("/", {})
    scope["state"] = server_copy
    state = LifespanASGIRequest(scope, BytesIO()).state
    assert type(state) is State and scope["state"] is state is state_for_scope(scope)
    state.written = "w"
    assert server_copy == {"client": "c", "written": "w"}


def test_item_and_attribute_reads_agree_after_every_kind_of_write() -> None:
    server_copy: dict[str, Any] = {"client": 1, "items": [], "gone": 0, "popped": 0}
    state = state_for_scope({"type": "http", "state": server_copy})
    state.by_attribute = 1
    state["by_item"] = 2
    state.update({"updated": 3}, keys="a key named like a method")
    state |= {"merged": 4}
    state.setdefault("defaulted", 5)
    del state.gone
    state.pop("popped")
    for key in state:
        assert getattr(state, key) is state[key], key
    assert dict(state) == server_copy
    assert not hasattr(state, "gone") and not hasattr(state, "popped")
    key, _ = state.popitem()
    assert not hasattr(state, key)
    state.clear()
    assert not hasattr(state, "client") and callable(state.items) and callable(state.keys)
    assert server_copy == {}
