"""A waterfall of one startup and shutdown, drawn as SVG: `manage.py lifespan --timeline FILE.svg`.

``Recorder`` is a lifespan observer that notes when each step started and
finished; ``render`` turns what it noted, and the plan, into one self-contained
SVG. Group members report from their own tasks, so what ran at once overlaps.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from django_lifespan_ctx._engine.observers import Phase, Step, StepKind
from django_lifespan_ctx._engine.plan import Entry, Group, Plan
from django_lifespan_ctx._ops.services.spec import Service

WIDTH = 900
ROW = 22
BAR = 14
CHAR = 6.6  # Width of one character of the 11 px monospace font the picture uses.
FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
COLOURS = {
    "context": "#4f7cc9",
    "service": "#3a9a5b",
    "receiver": "#8a6bbf",
    "group": "#b9c7e0",
    "unwind": "#d98a2b",
    "failed": "#d33b3b",
    "cancelled": "#9a9a9a",
}


@dataclass
class Span:
    phase: Phase
    kind: StepKind
    name: str
    start: float
    end: float | None = None
    error: BaseException | None = None
    exit: bool = False  # An exit (in startup: unwinding after a failure), not an enter.

    def same_step(self, step: Step) -> bool:
        return self.phase == step.phase and self.kind == step.kind and self.name == step.name


@dataclass
class PhaseTimes:
    start: float
    end: float | None = None
    error: BaseException | None = None


class Recorder:
    """Notes when each phase and step starts and finishes, on the perf_counter clock."""

    def __init__(self) -> None:
        self.phases: dict[Phase, PhaseTimes] = {}
        self.spans: list[Span] = []

    def _now(self) -> float:
        return time.perf_counter()

    def phase_started(self, phase: Phase) -> None:
        self.phases[phase] = PhaseTimes(self._now())

    def phase_finished(self, phase: Phase, error: BaseException | None) -> None:
        times = self.phases.get(phase)
        if times is not None:
            times.end, times.error = self._now(), error

    def step_started(self, step: Step) -> None:
        # A context's second step in one phase is its exit: startup unwinding what it entered.
        again = any(span.same_step(step) for span in self.spans)
        exit = step.phase == "shutdown" or again
        self.spans.append(Span(step.phase, step.kind, step.name, self._now(), exit=exit))

    def step_finished(self, step: Step) -> None:
        for span in reversed(self.spans):
            if (
                span.phase == step.phase
                and span.kind == step.kind
                and span.name == step.name
                and span.end is None
            ):
                span.end, span.error = self._now(), step.error
                return


# -- drawing -------------------------------------------------------------


@dataclass
class Row:
    label: str
    tip: str
    kind: str  # context, service, receiver or group
    spans: list[Span]
    indent: int = 0
    note: str = ""


def milliseconds(seconds: float) -> str:
    ms = seconds * 1000
    return f"{ms:.2f} ms" if ms < 1 else f"{ms:.1f} ms"


def entry_label(entry: Entry) -> str:
    return entry.name if entry.app is None else f"{entry.name} (app {entry.app!r})"


def _steps(plan: Plan, reverse: bool) -> Iterable[Entry | Group]:
    return reversed(plan) if reverse else iter(plan)


def _rows(plan: Plan, spans: Sequence[Span], phase: Phase, exits: bool) -> list[Row]:
    """The rows of one panel: the plan's steps in the order this phase ran them."""
    mine = [s for s in spans if s.phase == phase and s.exit == exits]
    by_name: dict[str, list[Span]] = {}
    for span in mine:
        if span.kind == "context":
            by_name.setdefault(span.name, []).append(span)
    rows: list[Row] = []

    def entry_row(entry: Entry, indent: int) -> Row | None:
        found = by_name.get(entry.name, [])
        if not found and exits:
            return None  # Never entered, so nothing to exit.
        kind = "service" if isinstance(entry.factory, Service) else "context"
        note = "" if found else "not reached"
        return Row(entry_label(entry), f"{entry_label(entry)}, {entry.origin}", kind, found, indent, note)

    for step in _steps(plan, reverse=exits):
        if isinstance(step, Group):
            members = [row for m in step.members if (row := entry_row(m, 1)) is not None]
            if not members:
                continue
            label = f"group of {len(step.members)}, together"
            member_spans = [s for row in members for s in row.spans]
            group = [_covering(member_spans)] if member_spans else []
            rows.append(Row(label, f"{label}, {step.origin}", "group", group))
            rows.extend(members)
        elif (row := entry_row(step, 0)) is not None:
            rows.append(row)
    signal = "asgi_startup" if phase == "startup" else "asgi_shutdown"
    receivers = [s for s in mine if s.kind == "receiver"]
    # asgi_shutdown receivers run before any exit: first, as they ran.
    at = len(rows) if phase == "startup" else 0
    rows[at:at] = [
        Row(f"{s.name} ({signal})", f"{signal} receiver {s.name}", "receiver", [s]) for s in receivers
    ]
    return rows


def _covering(spans: Sequence[Span]) -> Span:
    first = min(spans, key=lambda s: s.start)
    ends = [s.end for s in spans]
    end = None if None in ends else max(e for e in ends if e is not None)
    return Span(first.phase, first.kind, "group", first.start, end, exit=first.exit)


def _tick_step(total_ms: float) -> float:
    raw = total_ms / 6 if total_ms > 0 else 1.0
    power = 10 ** math.floor(math.log10(raw))
    return float(next(n * power for n in (1, 2, 5, 10) if n * power >= raw))


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    fill: str = "#222",
    cls: str = "",
    anchor: str = "start",
    weight: str = "normal",
) -> str:
    attrs = f' class="{cls}"' if cls else ""
    attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
    attrs += f' font-weight="{weight}"' if weight != "normal" else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}"{attrs}>{escape(text)}</text>'


def _fit(label: str, room: float) -> str:
    chars = int(room / CHAR + 1e-6)
    if len(label) <= chars:
        return label
    keep = max(chars - 1, 4)
    return label[: keep // 2] + "…" + label[-(keep - keep // 2) :]


class _Canvas:
    def __init__(self, label_width: float) -> None:
        self.parts: list[str] = []
        self.y = 0.0
        self.left = 10.0
        self.plot_left = 10.0 + label_width + 10
        self.plot_right = WIDTH - 80.0  # Room for the label of a bar that ends at the right edge.

    def panel(self, title: str, rows: list[Row], start: float, end: float, failed: bool) -> None:
        total = max(end - start, 1e-6)
        scale = (self.plot_right - self.plot_left) / total
        top = self.y
        height = 30 + len(rows) * ROW + 26
        fill = "#fdf1f1" if failed else "#f4f6fa"
        self.parts.append(
            f'<rect class="phase" x="4" y="{top:.1f}" width="{WIDTH - 8}" height="{height:.1f}" '
            f'rx="4" fill="{fill}" stroke="#d5dae3"/>'
        )
        self.parts.append(_text(self.left, top + 19, title, size=13, weight="bold", cls="phase-title"))
        grid_top, grid_bottom = top + 28, top + 30 + len(rows) * ROW
        step_ms = _tick_step(total * 1000)
        tick = 0.0
        while tick <= total * 1000 + 1e-9:
            x = self.plot_left + tick / 1000 * scale
            self.parts.append(
                f'<line x1="{x:.1f}" y1="{grid_top:.1f}" x2="{x:.1f}" y2="{grid_bottom:.1f}" '
                'stroke="#dde2ea"/>'
            )
            shown = f"{tick:g} ms"
            self.parts.append(
                _text(
                    x,
                    grid_bottom + 14,
                    shown,
                    size=10,
                    fill="#666",
                    anchor="middle",
                    cls="tick",
                )
            )
            tick += step_ms
        self.y = top + 30
        for row in rows:
            self.row(row, start, end, scale)
        self.y = top + height + 10

    def row(self, row: Row, start: float, end: float, scale: float) -> None:
        y = self.y
        indent = row.indent * 14
        weight = "bold" if row.kind == "group" else "normal"
        label = _fit(row.label, self.plot_left - self.left - 10 - indent)
        self.parts.append(
            f"<g><title>{escape(row.tip)}</title>"
            + _text(self.left + indent, y + 15, label, weight=weight, cls="name")
            + "</g>"
        )
        if row.note:
            self.parts.append(_text(self.plot_left + 4, y + 15, row.note, fill="#999", cls="note"))
        for span in row.spans:
            self.bar(row, span, start, end, scale, y)
        self.y = y + ROW

    def bar(self, row: Row, span: Span, start: float, end: float, scale: float, y: float) -> None:
        finished = span.end is not None
        stop = span.end if span.end is not None else end
        x = self.plot_left + (span.start - start) * scale
        width = max((stop - span.start) * scale, 1.5)  # Visible however short.
        cancelled = isinstance(span.error, asyncio.CancelledError)
        if span.error is not None and not cancelled:
            colour, text = (
                COLOURS["failed"],
                f"FAILED {type(span.error).__name__} ({milliseconds(stop - span.start)})",
            )
            state = "failed"
        elif cancelled:
            colour, text, state = (
                COLOURS["cancelled"],
                f"cancelled ({milliseconds(stop - span.start)})",
                "cancelled",
            )
        elif not finished:
            colour, text, state = (
                COLOURS["cancelled"],
                f"still running after {milliseconds(stop - span.start)}",
                "open",
            )
        else:
            unwinding = span.exit and span.phase == "startup"
            colour = COLOURS["unwind" if unwinding and row.kind != "group" else row.kind]
            text, state = milliseconds(stop - span.start), "ok"
        inset = 3 if row.kind == "group" else 0
        attrs = (
            f'class="bar {row.kind} {state}" data-name={quoteattr(row.label)} data-phase="{span.phase}" '
            f'data-seconds="{stop - span.start:.9f}"'
        )
        dash = ' stroke="#7a0000" stroke-dasharray="3 2"' if state in ("failed", "open") else ""
        self.parts.append(
            f'<rect {attrs} x="{x:.2f}" y="{y + 4 + inset:.1f}" width="{width:.2f}" '
            f'height="{BAR - inset:.1f}" rx="2" fill="{colour}"{dash}>'
            f"<title>{escape(row.label)}: {escape(text)}</title></rect>"
        )
        label_x, anchor, fill = x + width + 4, "start", "#222"
        if label_x + len(text) * CHAR > WIDTH - 6:
            if width > len(text) * CHAR + 8:
                label_x, anchor, fill = x + width - 4, "end", "#fff"
            else:
                label_x, anchor = x - 4, "end"
        if state == "failed" and fill != "#fff":
            fill = "#b00020"
        self.parts.append(_text(label_x, y + 15, text, fill=fill, anchor=anchor, cls="time"))
        if row.kind == "service" and state == "ok" and not span.exit:
            # A service keeps running once started: a dashed line on to the end of startup.
            after = max(x + width, label_x + len(text) * CHAR + 4 if anchor == "start" else 0)
            right = self.plot_left + (end - start) * scale
            if right > after + 8:
                self.parts.append(
                    f'<line class="running" x1="{after:.1f}" y1="{y + 11:.1f}" x2="{right:.1f}" '
                    f'y2="{y + 11:.1f}" stroke="{colour}" stroke-width="2" stroke-dasharray="4 3"/>'
                )


def _legend(y: float) -> list[str]:
    items = [
        ("context", "context"),
        ("group", "group"),
        ("service", "service (runs on)"),
        ("receiver", "signal receiver"),
        ("unwind", "exit after a failure"),
        ("failed", "failed"),
    ]
    parts: list[str] = []
    x = 10.0
    for key, text in items:
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="12" height="10" rx="2" fill="{COLOURS[key]}"/>')
        parts.append(_text(x + 16, y + 9, text, size=10, fill="#444"))
        x += 16 + len(text) * 6 + 18
    return parts


def render(recorder: Recorder, plan: Plan, failure: str = "") -> str:
    """The SVG of what ``recorder`` saw: startup, any unwinding after a failed startup, then shutdown."""
    panels: list[tuple[str, list[Row], float, float, bool]] = []
    spans = recorder.spans
    panel_kinds: tuple[tuple[Phase, bool], ...] = (("startup", False), ("startup", True), ("shutdown", True))
    for phase, exits in panel_kinds:
        times = recorder.phases.get(phase)
        if times is None:
            continue
        mine = [s for s in spans if s.phase == phase and s.exit == exits]
        unwinding = exits and phase == "startup"
        if unwinding and not mine:
            continue  # Nothing was unwound: startup succeeded, or failed before anything entered.
        ends = [s.end for s in mine if s.end is not None]
        if unwinding:
            start = min(s.start for s in mine)
            end = max([*ends, start])
        else:
            start = times.start
            end = max([*ends, times.end or start, start])
        failed = any(s.error is not None and not isinstance(s.error, asyncio.CancelledError) for s in mine)
        took = milliseconds(end - start)
        if unwinding:
            title = f"Unwinding what the failed startup entered: {took}"
        elif phase == "startup":
            failed = failed or times.error is not None
            title = f"Startup failed after {took}" if failed else f"Startup: {took}"
        else:
            title = f"Shutdown: {took}" + (" (with errors)" if failed else "")
        rows = _rows(plan, spans, phase, exits) or [Row("no lifespan contexts ran", "", "context", [])]
        panels.append((title, rows, start, end, failed))

    labels = [row.label for _, rows, *_ in panels for row in rows]
    indent = 14
    label_width = min(max([len(label) * CHAR + indent for label in labels], default=100), 420)
    canvas = _Canvas(label_width)
    contexts = sum(len(step.members) if isinstance(step, Group) else 1 for step in plan)
    head = f"Lifespan timeline: {contexts} context{'s' if contexts != 1 else ''}"
    canvas.parts.append(_text(10, 20, head, size=14, weight="bold", cls="heading"))
    y = 28.0
    if failure:
        canvas.parts.append(_text(10, 42, _fit(failure, WIDTH - 20), fill="#b00020", cls="failure"))
        y = 50.0
    canvas.parts.extend(_legend(y))
    canvas.y = y + 20
    for panel in panels:
        canvas.panel(*panel)
    height = math.ceil(canvas.y)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}" role="img">\n'
        f"<title>{escape(head)}</title>\n"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>\n' + "\n".join(canvas.parts) + "\n</svg>\n"
    )
