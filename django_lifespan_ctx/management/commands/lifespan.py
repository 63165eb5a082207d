from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_lifespan_ctx._config.configuration import ensure_configured
from django_lifespan_ctx._config.keys import declared_keys, key_label
from django_lifespan_ctx._config.sources import build_plan
from django_lifespan_ctx._config.type_hints import describe
from django_lifespan_ctx._engine.exceptions import LifespanConfigurationError, LifespanStartupError
from django_lifespan_ctx._engine.hosts import lifespan_scope
from django_lifespan_ctx._engine.observers import add_observer, remove_observer
from django_lifespan_ctx._engine.owner import ContextReport
from django_lifespan_ctx._engine.plan import Group, Plan
from django_lifespan_ctx._engine.runner import Runner
from django_lifespan_ctx._engine.stop_signals import run_until_signalled
from django_lifespan_ctx._engine.words import plural
from django_lifespan_ctx._ops.readiness import tracker
from django_lifespan_ctx._ops.services.spec import Service
from django_lifespan_ctx._ops.timeline import Recorder, render
from django_lifespan_ctx._serving.setup import SETUP
from django_lifespan_ctx.handler import LifespanASGIHandler


def _ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.1f} ms"


def _services(plan: Plan) -> list[Service]:
    entries = [m for step in plan for m in (step.members if isinstance(step, Group) else (step,))]
    return [entry.factory for entry in entries if isinstance(entry.factory, Service)]


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


class Command(BaseCommand):
    help = (
        "Start and stop the lifespan contexts once, as an ASGI server would, and report "
        "each context's timings and state keys. Exits non-zero if anything fails."
    )
    requires_system_checks = ()  # The run itself reports configuration errors.

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_mutually_exclusive_group()
        what.add_argument(
            "--list",
            action="store_true",
            help="Print the plan (order, groups, origins) without running anything.",
        )
        what.add_argument(
            "--timeline",
            metavar="FILE.svg",
            help="Also draw the startup and shutdown as a waterfall, one bar per context, into FILE.svg.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            try:
                ensure_configured()
            except LifespanConfigurationError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(self._plan(build_plan()))
            return
        timeline = Path(options["timeline"]) if options["timeline"] else None
        if timeline is not None and not timeline.parent.is_dir():
            raise CommandError(f"--timeline {timeline}: the folder {str(timeline.parent)!r} does not exist.")
        recorder = Recorder()
        if timeline is not None:
            add_observer(recorder)  # For this run only; observers never change outcomes.
        try:
            # Not asyncio.run(): its close would wait for ever on a task that swallows its
            # cancellation, such as a service the shutdown reported and abandoned.
            runner, failure = run_until_signalled(self._run())
        finally:
            remove_observer(recorder)
        self.stdout.write(self._report(runner.plan, runner.reports))
        if timeline is not None:
            # Written before the outcome is reported: a failed startup is what it is for.
            timeline.write_text(render(recorder, runner.plan, failure), encoding="utf-8")
            self.stdout.write(f"Timeline written to {timeline}.")
        if failure:
            raise CommandError(failure)
        count = plural(len(runner.contexts_reported()), "context")
        self.stdout.write(self.style.SUCCESS(f"Startup and shutdown succeeded ({count})."))

    async def _run(self) -> tuple[Runner, str]:
        scope = lifespan_scope()
        # Sent as the handler class, as under a server, so receivers filtered by sender run too.
        runner = Runner(setup=SETUP, sender=LifespanASGIHandler, scope=scope, state=scope["state"])
        try:
            await runner.startup()
        except LifespanStartupError as exc:
            if isinstance(exc.failure.error, LifespanConfigurationError):
                return runner, str(exc.failure.error)
            return runner, str(exc)
        failures = await runner.shutdown()
        message = "Lifespan shutdown failed: " + "; ".join(map(str, failures)) if failures else ""
        return runner, message

    def _plan(self, plan: Plan) -> str:
        if not plan:
            return "No lifespan contexts: LIFESPAN_CONTEXTS is empty and no installed app ships any."
        rows = [("#", "context", "from")]
        for number, step in enumerate(plan, start=1):
            if isinstance(step, Group):
                rows.append((f"{number}", f"group of {len(step.members)}, entered together:", step.origin))
                for letter, member in zip("abcdefghijklmnopqrstuvwxyz", step.members, strict=False):
                    rows.append((f"{number}{letter}", f"  {member.name}", member.origin))
            else:
                rows.append((f"{number}", step.name, step.origin))
        return _table(rows) + self._services_planned(plan) + self._keys_declared()

    def _keys_declared(self) -> str:
        # Declared by installed apps' modules, imported with the plan: known without running anything.
        keys = declared_keys()
        if not keys:
            return ""
        rows = [("typed key", "type", "health check")]
        rows += [(key_label(key), describe(key.type), "yes" if key.check else "-") for key in keys]
        return "\n\nTyped state keys (StateKey), by owning app:\n" + _table(rows)

    def _services_planned(self, plan: Plan) -> str:
        services = _services(plan)
        if not services:
            return ""
        rows = [("service", "supervision")] + [(repr(s), s.describe_policy()) for s in services]
        return "\n\nBackground services (readyz/ shows each one's status):\n" + _table(rows)

    def _services_run(self, plan: Plan) -> str:
        services = _services(plan)
        if not services:
            return ""
        rows = [("service", "status", "restarts", "last error")]
        for service in services:
            status = tracker.services.get(service.name)
            if status is None:
                rows.append((repr(service), "not started", "-", "-"))
            else:
                rows.append((repr(service), status.state, str(status.restarts), status.last_error or "-"))
        return "\n\n" + _table(rows)

    def _report(self, plan: Plan, reports: list[ContextReport]) -> str:
        if not plan and not reports:
            return "No lifespan contexts ran."
        ran = {report.name: report for report in reports if report.kind == "context"}
        rows = [("context", "startup", "shutdown", "state keys")]
        for step in plan:
            for entry in step.members if isinstance(step, Group) else (step,):
                report = ran.get(entry.name)
                if report is None:
                    rows.append((entry.name, "not reached", "-", "-"))
                    continue
                keys = ", ".join(map(key_label, report.keys)) or "-"
                entered = _ms(report.enter_seconds)
                exited = _ms(report.exit_seconds)
                if report.failed:
                    # The one that failed: its own column says so.
                    if report.enter_seconds is None:
                        entered = "FAILED"
                    else:
                        exited = "FAILED"
                rows.append((entry.name, entered, exited, keys))
        for report in reports:
            if report.kind == "receiver":
                keys = ", ".join(map(key_label, report.keys))
                rows.append((f"{report.name} (asgi_startup receiver)", "-", "-", keys))
        return _table(rows) + self._services_run(plan)
