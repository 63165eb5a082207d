"""LifespanCommand: ahandle() inside the project's lifespan, in-process and as a real manage.py."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import SimpleTestCase, override_settings

from django_lifespan_ctx import current_state
from django_lifespan_ctx._engine.stop_signals import run_bounded, run_until_signalled
from django_lifespan_ctx.management import LifespanCommand
from django_lifespan_ctx.signals import asgi_shutdown, asgi_startup
from django_lifespan_ctx.testing import with_lifespan
from tests import contexts
from tests.command_app.management.commands import lifespan_keys
from tests.lifecycle_contexts import LOG_ENV, read_log
from tests.servers import REPO, ServerProcess

MANAGE = REPO / "tests" / "command_app" / "manage.py"


class Reads(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> str:
        contexts.record(
            f"ahandle with {sorted(self.state)}, items {options['items']}, name {options['name']}"
        )
        assert current_state() is self.state
        return f"read {self.state.alpha}"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("items", nargs="*")
        parser.add_argument("--name", default="nobody")


class Fails(LifespanCommand):
    async def ahandle(self, *args: Any, **options: Any) -> None:
        raise ValueError("ahandle failed")


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.beta])
def test_ahandle_runs_inside_the_lifespan_with_signals_and_call_command_arguments() -> None:
    def receiver(signal: Any, sender: Any, **kwargs: Any) -> None:
        contexts.record("startup signal" if signal is asgi_startup else "shutdown signal")

    asgi_startup.connect(receiver)
    asgi_shutdown.connect(receiver)
    out = StringIO()
    call_command(Reads(), "one", "two", name="ada", stdout=out)
    assert out.getvalue() == "read value of alpha\n"
    assert contexts.EVENTS == [
        "enter alpha",
        "enter beta",
        "startup signal",
        "ahandle with ['alpha', 'beta'], items ['one', 'two'], name ada",
        "shutdown signal",
        "exit beta",
        "exit alpha",
    ]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter])
def test_a_startup_failure_is_a_command_error_with_its_message_after_unwinding() -> None:
    with pytest.raises(CommandError, match=r"entering 'tests\.contexts\.fails_on_enter': RuntimeError"):
        call_command(Reads())
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.fails_on_exit, contexts.alpha])
def test_a_shutdown_failure_exits_non_zero_after_every_exit_ran(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit:
        Reads().run_from_argv(["manage.py", "reads"])
    assert exit.value.code == 1
    assert "exiting 'tests.contexts.fails_on_exit'" in capfd.readouterr().err
    assert contexts.EVENTS[-2:] == ["exit alpha", "exit fails_on_exit"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_an_error_in_ahandle_propagates_after_the_exits() -> None:
    with pytest.raises(ValueError, match="ahandle failed"):
        call_command(Fails())
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]


def test_a_command_without_ahandle_says_what_is_missing() -> None:
    with pytest.raises(NotImplementedError, match="must provide an ahandle"):
        call_command(LifespanCommand())


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_call_command_from_a_thread_runs_without_signal_handlers() -> None:
    found: list[str] = []
    thread = threading.Thread(target=lambda: found.append(call_command(lifespan_keys.Command())))
    thread.start()
    thread.join()
    assert found == ["keys: alpha; current_state() is self.state: True"]


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
@with_lifespan(state={"given": "by the test"})
class CommandUnderTestHelpers(SimpleTestCase):
    def test_a_command_in_a_test_under_with_lifespan_runs_its_own_lifespan(self) -> None:
        # The test's state is for its views; the command enters the project's contexts.
        assert dict(self.lifespan_state) == {"given": "by the test"}
        assert call_command(lifespan_keys.Command()) == "keys: alpha; current_state() is self.state: True"


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, SystemExit)]
)
@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha])
def test_a_signal_cancels_ahandle_exits_the_contexts_then_is_raised(signum: int, raised: type) -> None:
    class SignalsItself(LifespanCommand):
        async def ahandle(self, *args: Any, **options: Any) -> None:
            os.kill(os.getpid(), signum)
            await wait_forever()

    before = signal.getsignal(signum)
    with pytest.raises(raised) as info:
        call_command(SignalsItself())
    if raised is SystemExit:
        assert info.value.code == 128 + signum  # type: ignore[attr-defined]
    assert contexts.EVENTS == ["enter alpha", "exit alpha"]
    assert signal.getsignal(signum) is before


async def wait_forever() -> None:
    await asyncio.Event().wait()


def test_a_second_signal_stops_waiting_for_the_cleanup() -> None:
    exits: list[str] = []

    async def slow_cleanup() -> None:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.Event().wait()
        finally:
            os.kill(os.getpid(), signal.SIGTERM)
            try:
                await asyncio.Event().wait()
            finally:
                exits.append("cleanup cut short")

    with pytest.raises(SystemExit) as info:
        run_until_signalled(slow_cleanup())
    assert exits == ["cleanup cut short"]
    assert info.value.code == 128 + signal.SIGTERM  # The first signal is the one passed on.


def test_a_cancellation_that_no_signal_caused_is_passed_on() -> None:
    async def cancelled() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        run_until_signalled(cancelled())


def test_a_coroutine_that_is_not_interrupted_returns_its_result() -> None:
    async def answer() -> int:
        return 42

    assert run_until_signalled(answer()) == 42


# -- a real manage.py process -------------------------------------------------


class ManagePy(ServerProcess):
    def command(self) -> list[str]:
        # A script, not a module: `python manage.py name`, as users run it.
        return [sys.executable, *self.argv]


def manage_py(tmp_path: Path, *argv: str) -> ManagePy:
    process = ManagePy([str(MANAGE), *argv], settings="tests.sites.command_settings")
    process.env[LOG_ENV] = str(tmp_path / "lifecycle.log")
    return process


def test_ctrl_c_exits_the_contexts_before_a_real_manage_py_ends(tmp_path: Path) -> None:
    with manage_py(tmp_path, "lifespan_wait") as command:
        command.wait_for(r"LIFECYCLE \d+ ahandle sees \['http_client', 'logged'\]")
        # Ctrl+C in a terminal signals the whole process group.
        code = command.stop(signal.SIGINT, whole_group=True)
    assert code != 0, command.output
    assert "KeyboardInterrupt" in command.output
    events = read_log(tmp_path / "lifecycle.log")
    assert list(events.values()) == [
        [
            "enter logged",
            "enter http_client",
            "ahandle sees ['http_client', 'logged']",
            "ahandle cancelled",
            "exit http_client",
            "exit logged",
        ]
    ], command.output


def test_sigterm_exits_the_contexts_and_the_process_with_143(tmp_path: Path) -> None:
    with manage_py(tmp_path, "lifespan_wait") as command:
        command.wait_for(r"LIFECYCLE \d+ ahandle sees")
        code = command.stop(signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, command.output
    [events] = read_log(tmp_path / "lifecycle.log").values()
    assert events[-2:] == ["exit http_client", "exit logged"]


def test_a_real_manage_py_finds_the_command_by_name(tmp_path: Path) -> None:
    with manage_py(tmp_path, "lifespan_keys") as command:
        code = command.wait_for_exit()
    assert code == 0, command.output
    assert "keys: http_client, logged; current_state() is self.state: True" in command.output


def stubborn(tmp_path: Path, *argv: str) -> ManagePy:
    process = manage_py(tmp_path, *argv)
    process.env["DJANGO_SETTINGS_MODULE"] = "tests.sites.stubborn_service_settings"
    return process


ABANDONED = (
    r"Closing the event loop without waiting any longer for the task left over after the lifespan "
    r"ended, which did not finish within 1.0 s of being cancelled: .*background\('stubborn'\)"
)


def test_sigterm_ends_the_process_though_a_service_swallows_its_cancellation(tmp_path: Path) -> None:
    with stubborn(tmp_path, "lifespan_wait") as command:
        command.wait_for(r"LIFECYCLE \d+ ahandle sees")
        command.wait_for(r"LIFECYCLE \d+ service started")
        code = command.stop(signal.SIGTERM, timeout=60)  # asyncio.run() would wait for ever here.
    assert code == 128 + signal.SIGTERM, command.output
    assert "background('stubborn') did not stop within 1 s" in command.output
    command.wait_for(ABANDONED, timeout=0.1)
    [events] = read_log(tmp_path / "lifecycle.log").values()
    contexts_only = [event for event in events if "service" not in event and "ahandle" not in event]
    assert contexts_only == ["enter logged", "enter http_client", "exit http_client", "exit logged"], events


def test_run_bounded_abandons_a_task_that_swallows_its_cancellation_with_a_report(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cancellations: list[str] = []

    async def stubborn_task() -> None:
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                cancellations.append("swallowed")

    async def polite_task() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancellations.append("polite")
            raise

    async def main() -> int:
        left_over.append(asyncio.create_task(stubborn_task(), name="stubborn"))
        left_over.append(asyncio.create_task(polite_task(), name="polite"))
        await asyncio.sleep(0)
        return 7

    left_over: list[asyncio.Task[None]] = []

    assert run_bounded(main(), leftovers_within=0.2) == 7
    assert sorted(cancellations) == ["polite", "swallowed"]
    assert not left_over[0].done() and left_over[1].cancelled()  # Abandoned; finished.
    assert "Closing the event loop without waiting any longer for the task left over" in caplog.text
    assert "within 0.2 s of being cancelled: stubborn (" in caplog.text and "polite" not in caplog.text
