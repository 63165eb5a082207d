from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import override_settings

from django_lifespan_ctx.asgi import get_asgi_application
from django_lifespan_ctx.handler import LifespanASGIHandler
from tests import contexts
from tests.asgi_driver import LifespanConversation, get

COMPLETE = {"type": "lifespan.startup.complete"}
SHUT_DOWN = {"type": "lifespan.shutdown.complete"}


@pytest.fixture
def app() -> LifespanASGIHandler:
    return get_asgi_application()


async def started(app: Any, state: dict[str, Any] | None) -> LifespanConversation:
    conversation = LifespanConversation(app, state=state)
    assert await conversation.startup() == COMPLETE
    return conversation


def test_get_asgi_application_returns_a_django_asgi_handler(app: Any) -> None:
    assert isinstance(app, ASGIHandler)


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", contexts.beta, "tests.contexts.gamma"])
async def test_entered_in_list_order_and_exited_in_reverse(app: Any) -> None:
    server_state: dict[str, Any] = {}
    conversation = await started(app, server_state)
    assert contexts.EVENTS == ["enter alpha", "enter beta", "enter gamma"]
    assert sorted(server_state) == ["alpha", "beta", "gamma"]
    assert await conversation.shutdown() == SHUT_DOWN
    assert contexts.EVENTS[3:] == ["exit gamma", "exit beta", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.beta])
async def test_each_context_is_exited_by_the_task_that_entered_it(app: Any) -> None:
    conversation = await started(app, {})
    await conversation.shutdown()
    # Each context's owner task enters and exits it: consecutive async contexts share
    # one (a run, entered in order and exited in reverse there), never the server's task.
    assert contexts.TASKS["alpha"][0] == contexts.TASKS["alpha"][1]
    assert contexts.TASKS["beta"][0] == contexts.TASKS["beta"][1]
    assert contexts.TASKS["alpha"][0] == contexts.TASKS["beta"][0]
    assert contexts.TASKS["alpha"][0] != id(conversation.task)


@pytest.mark.parametrize("path", ["/state/", "/sync-state/"])
@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.resource])
async def test_views_read_what_contexts_yielded(app: Any, path: str) -> None:
    server_state: dict[str, Any] = {}
    conversation = await started(app, server_state)
    # A server copies the lifespan state into each request scope.
    status, body = await get(app, path, state=server_state.copy())
    assert status == 200
    assert body["keys"] == ["alpha", "resource"]
    assert body["values"]["resource"] == "<Resource closed=False>"
    assert body["ids"]["resource"] == id(server_state["resource"])
    await conversation.shutdown()


@pytest.mark.parametrize("path", ["/state/", "/sync-state/"])
@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_a_server_without_a_state_dict_still_gets_state_in_requests(app: Any, path: str) -> None:
    conversation = await started(app, None)
    status, body = await get(app, path)
    assert (status, body["keys"]) == (200, ["alpha"])
    await conversation.shutdown()
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


@pytest.mark.parametrize("server_gives_state", [True, False])
@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
async def test_writes_stay_within_their_request(app: Any, server_gives_state: bool) -> None:
    server_state: dict[str, Any] | None = {} if server_gives_state else None
    conversation = await started(app, server_state)

    def request_state() -> dict[str, Any] | None:
        return None if server_state is None else server_state.copy()

    _, first = await get(app, "/write/", state=request_state())
    _, second = await get(app, "/write/", state=request_state())
    assert (
        first
        == second
        == {
            "before": ["alpha"],
            "after": ["alpha", "written_attribute", "written_item"],
        }
    )
    assert list(server_state if server_state is not None else app.lifespan_state) == ["alpha"]
    await conversation.shutdown()


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.beta])
async def test_a_missing_key_lists_the_keys_present(app: Any) -> None:
    conversation = await started(app, None)
    _, errors = await get(app, "/missing/")
    assert errors["item"] == "'missing' is not in the lifespan state. Keys present: 'alpha', 'beta'."
    assert errors["attribute"] == errors["item"]
    await conversation.shutdown()


async def test_without_lifespan_events_a_missing_key_says_why(app: Any) -> None:
    _, errors = await get(app, "/missing/")
    assert "the ASGI server sent no lifespan events" in errors["item"]
    assert "the ASGI server sent no lifespan events" in errors["attribute"]


GROUPED = [contexts.alpha, (contexts.slow_one, contexts.slow_two, contexts.slow_three), contexts.beta]


@override_settings(LIFESPAN_CONTEXTS=GROUPED)
async def test_a_group_is_entered_and_exited_concurrently_between_its_neighbours(app: Any) -> None:
    conversation = LifespanConversation(app, state={})
    began = time.perf_counter()
    assert await conversation.startup() == COMPLETE
    startup_seconds = time.perf_counter() - began
    began = time.perf_counter()
    assert await conversation.shutdown() == SHUT_DOWN
    shutdown_seconds = time.perf_counter() - began

    slow = {"slow_one", "slow_two", "slow_three"}
    events = contexts.EVENTS
    assert events[0] == "enter alpha"
    assert {e.split()[1] for e in events[1:4]} == slow and all(e.startswith("enter") for e in events[1:4])
    assert events[4:6] == ["enter beta", "exit beta"]
    assert {e.split()[1] for e in events[6:9]} == slow and all(e.startswith("exit") for e in events[6:9])
    assert events[9] == "exit alpha"
    # Each member sleeps 0.3 s on enter and on exit: one after another would take 0.9 s.
    assert startup_seconds < 0.6, startup_seconds
    assert shutdown_seconds < 0.6, shutdown_seconds


@override_settings(LIFESPAN_CONTEXTS=GROUPED)
async def test_each_group_member_is_exited_by_its_own_entering_task(app: Any) -> None:
    conversation = await started(app, {})
    await conversation.shutdown()
    member_tasks = [contexts.TASKS[name] for name in ("slow_one", "slow_two", "slow_three")]
    assert all(enter == exit for enter, exit in member_tasks)
    assert len({enter for enter, _ in member_tasks}) == 3


@pytest.mark.parametrize(
    "setting",
    [[contexts.with_task_group], [(contexts.with_task_group, contexts.alpha)]],
    ids=["alone", "in a group"],
)
async def test_an_anyio_task_group_inside_a_context_runs_and_closes(app: Any, setting: Any) -> None:
    with override_settings(LIFESPAN_CONTEXTS=setting):
        server_state: dict[str, Any] = {}
        conversation = await started(app, server_state)
        # The task group's child runs while we serve.
        await asyncio.wait_for(server_state["ticks"].three.wait(), timeout=10)
        assert await conversation.shutdown() == SHUT_DOWN
    assert "exit with_task_group after some ticks" in contexts.EVENTS


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.sync_context"])
async def test_a_sync_context_is_entered_and_exited_off_the_event_loop_in_one_thread(app: Any) -> None:
    server_state: dict[str, Any] = {}
    conversation = await started(app, server_state)
    await conversation.shutdown()
    assert server_state == {"sync_value": "from a sync context"}
    enter, exit = contexts.EVENTS
    loop_thread = threading.current_thread().name
    assert enter.startswith("enter sync in ") and loop_thread not in enter
    assert exit == enter.replace("enter", "exit")


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, (contexts.uses_state, contexts.beta), contexts.gamma])
async def test_a_factory_with_one_parameter_gets_the_state_built_so_far(app: Any) -> None:
    server_state: dict[str, Any] = {}
    conversation = await started(app, server_state)
    await conversation.shutdown()
    # A group member sees what came before the group, not its siblings.
    assert "enter uses_state seeing ['alpha']" in contexts.EVENTS
    assert server_state["derived"] == "derived from value of alpha"


@override_settings(LIFESPAN_CONTEXTS=[contexts.ClassContext, contexts.yields_nothing])
async def test_context_manager_classes_and_contexts_that_yield_none(app: Any) -> None:
    server_state: dict[str, Any] = {}
    conversation = await started(app, server_state)
    await conversation.shutdown()
    assert server_state == {"from_class": "yes"}
    assert contexts.EVENTS == [
        "enter ClassContext",
        "enter yields_nothing",
        "exit yields_nothing",
        "exit ClassContext",
    ]


async def test_keys_the_server_already_set_are_kept_and_protected(app: Any) -> None:
    with override_settings(LIFESPAN_CONTEXTS=[contexts.beta]):
        server_state: dict[str, Any] = {"server_key": 1}
        conversation = await started(app, server_state)
        await conversation.shutdown()
        assert sorted(server_state) == ["beta", "server_key"]
    with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
        conversation = LifespanConversation(app, state={"alpha": "from the server"})
        reply = await conversation.startup()
    assert reply["type"] == "lifespan.startup.failed"
    assert "which the ASGI server already set" in reply["message"]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (
            [contexts.alpha, contexts.yields_a_list, contexts.beta],
            "while merging what 'tests.contexts.yields_a_list' yielded: TypeError: "
            "'tests.contexts.yields_a_list' yielded a list; a lifespan context must yield a mapping",
        ),
        (
            [contexts.alpha, contexts.yields_alpha_again],
            "'tests.contexts.yields_alpha_again' yielded the key 'alpha', which "
            "'tests.contexts.alpha' already set",
        ),
        (
            [contexts.alpha, contexts.fails_on_enter],
            "while entering 'tests.contexts.fails_on_enter': RuntimeError: boom on enter",
        ),
        (
            [contexts.alpha, contexts.forgot_the_decorator],
            "django_lifespan_ctx.E012: LIFESPAN_CONTEXTS[1] 'tests.contexts.forgot_the_decorator' is an "
            "async generator function, not a context manager factory. HINT: Decorate it with "
            "@contextlib.asynccontextmanager.",
        ),
    ],
    ids=["not a mapping", "duplicate key", "raises", "not a context manager"],
)
async def test_a_bad_context_fails_startup_naming_it_and_exits_what_was_entered(
    app: Any, setting: Any, expected: str
) -> None:
    with override_settings(LIFESPAN_CONTEXTS=setting):
        conversation = LifespanConversation(app, state={})
        reply = await conversation.startup()
    assert reply["type"] == "lifespan.startup.failed"
    assert expected in reply["message"]
    # Then the handler raises, as Starlette's does, so drivers that wait for the app see it.
    assert await conversation.finish() is not None
    entered = [e.split()[1] for e in contexts.EVENTS if e.startswith("enter")]
    exited = [e.split()[1] for e in contexts.EVENTS if e.startswith("exit")]
    opened = [name for name in entered if name != "fails_on_enter"]
    assert exited == opened[::-1]


@override_settings(LIFESPAN_CONTEXTS=["tests.contexts.alpha", "tests.contexts.missing"])
async def test_a_bad_setting_fails_startup_before_anything_is_entered(app: Any) -> None:
    reply = await LifespanConversation(app, state={}).startup()
    assert reply["type"] == "lifespan.startup.failed"
    assert "LIFESPAN_CONTEXTS[1] 'tests.contexts.missing' could not be imported" in reply["message"]
    assert contexts.EVENTS == []


async def test_shutdown_before_startup_is_acknowledged(app: Any) -> None:
    conversation = LifespanConversation(app, state={})
    conversation.task = asyncio.create_task(
        app(conversation.scope, conversation.inbox.get, conversation._send)
    )
    assert await conversation.shutdown() == SHUT_DOWN
