"""`manage.py lifespan --timeline FILE.svg`: the SVG, the command that writes it, and Chromium reading it."""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from django_lifespan_ctx._engine import observers
from django_lifespan_ctx._engine.plan import Entry, Group, Plan
from django_lifespan_ctx._ops.services.spec import background, every
from django_lifespan_ctx._ops.timeline import Recorder, Span, render
from django_lifespan_ctx.management.commands import lifespan as lifespan_command
from tests import contexts
from tests.servers import REPO

SVG = "{http://www.w3.org/2000/svg}"
CHROMIUM = Path("/usr/bin/chromium")
SITE = REPO / "sample_site"
SAMPLE_CONTEXTS = [
    "visits.lifespan.visit_counter",
    "library.lifespan.catalogue",
    "library.lifespan.httpx_client",
    "library.lifespan.cover_cache",
    "library.lifespan.books_api",
    "library.featured.featured_cache",
    "every(5, 'featured-book')",
]


def bars(svg: str, phase: str | None = None) -> dict[str, list[ET.Element]]:
    """Each row's bars, by the name the row shows."""
    found: dict[str, list[ET.Element]] = {}
    for rect in ET.fromstring(svg).iter(f"{SVG}rect"):
        if "bar" in rect.get("class", "").split() and (phase is None or rect.get("data-phase") == phase):
            found.setdefault(rect.get("data-name", ""), []).append(rect)
    return found


def texts(svg: str) -> list[str]:
    return [text.text or "" for text in ET.fromstring(svg).iter(f"{SVG}text")]


def span_of(rect: ET.Element) -> tuple[float, float]:
    x = float(rect.get("x", "nan"))
    return x, x + float(rect.get("width", "nan"))


def entry(name: str, factory: object = contexts.alpha, app: str | None = None) -> Entry:
    return Entry(name, factory, f"LIFESPAN_CONTEXTS ({name})", takes_state=False, app=app)  # type: ignore[arg-type]


def recorded(plan: Plan, steps: list[tuple[str, str, float, float, BaseException | None]]) -> Recorder:
    """A recorder that saw ``steps``: (phase, name, start ms, end ms, error), startup 0-100 ms."""
    recorder = Recorder()
    recorder.phase_started("startup")
    recorder.phase_started("shutdown")
    recorder.phases["startup"].start, recorder.phases["startup"].end = 0.0, 0.1
    recorder.phases["shutdown"].start, recorder.phases["shutdown"].end = 0.2, 0.25
    for phase, name, start, end, error in steps:
        recorder.spans.append(
            Span(phase, "context", name, start / 1000, end / 1000, error, exit=phase == "shutdown")  # type: ignore[arg-type]
        )
    return recorder


# -- the SVG ------------------------------------------------------------------


def test_one_bar_per_step_with_widths_proportional_to_durations_and_the_failure_marked() -> None:
    service = every(60, "tests.services_targets.idle", name="ticker")
    plan: Plan = (
        entry("app.lifespan.first", app="shop"),
        Group((entry("app.lifespan.left"), entry("app.lifespan.right")), "LIFESPAN_CONTEXTS[1]"),
        entry(repr(service), service),
        entry("app.lifespan.broken"),
    )
    recorder = recorded(
        plan,
        [
            ("startup", "app.lifespan.first", 0, 10, None),
            ("startup", "app.lifespan.left", 10, 30, None),
            ("startup", "app.lifespan.right", 10, 50, None),
            ("startup", repr(service), 50, 55, None),
            ("startup", "app.lifespan.broken", 55, 63, RuntimeError("boom")),
        ],
    )
    svg = render(recorder, plan, "Lifespan startup failed")
    startup = bars(svg, "startup")
    group = "group of 2, together"
    names = ["app.lifespan.first (app 'shop')", group, "app.lifespan.left", "app.lifespan.right"]
    names += ["every(60, 'ticker')", "app.lifespan.broken"]
    assert sorted(startup) == sorted(names)
    assert all(len(found) == 1 for found in startup.values())
    durations = {"app.lifespan.first (app 'shop')": 10, group: 40, "app.lifespan.left": 20}
    durations |= {"app.lifespan.right": 40, "every(60, 'ticker')": 5, "app.lifespan.broken": 8}
    per_ms = {name: float(startup[name][0].get("width", "0")) / ms for name, ms in durations.items()}
    assert max(per_ms.values()) == pytest.approx(min(per_ms.values()), rel=1e-3), per_ms
    # The group's members ran at once: their bars start together, beneath the group's.
    assert span_of(startup["app.lifespan.left"][0])[0] == span_of(startup["app.lifespan.right"][0])[0]
    assert span_of(startup[group][0]) == pytest.approx(span_of(startup["app.lifespan.right"][0]))
    assert "service" in startup["every(60, 'ticker')"][0].get("class", "").split()
    failed = [name for name, found in startup.items() if "failed" in found[0].get("class", "").split()]
    assert failed == ["app.lifespan.broken"]
    assert startup["app.lifespan.broken"][0].get("fill") != startup["app.lifespan.first (app 'shop')"][0].get(
        "fill"
    )
    assert "FAILED RuntimeError (8.0 ms)" in texts(svg)
    assert "Startup failed after 100.0 ms" in texts(svg)
    assert {"10.0 ms", "20.0 ms", "40.0 ms", "5.0 ms"} <= set(texts(svg))


def test_names_are_escaped_and_the_picture_fits_900_px() -> None:
    plan: Plan = (entry("odd.<name>&\"co'"),)
    recorder = recorded(
        plan, [("startup", "odd.<name>&\"co'", 0, 50, None), ("shutdown", "odd.<name>&\"co'", 200, 210, None)]
    )
    svg = render(recorder, plan)
    assert "<name>" not in svg
    root = ET.fromstring(svg)
    assert root.get("width") == "900" and root.get("viewBox", "").startswith("0 0 900 ")
    assert "odd.<name>&\"co'" in texts(svg)
    assert [len(found) for found in bars(svg).values()] == [2]  # Its enter and its exit.
    assert not re.search(r"(href|src)=|@import|url\(", svg)  # Self-contained.


# -- the command --------------------------------------------------------------


def recorders_made(monkeypatch: pytest.MonkeyPatch) -> list[Recorder]:
    made: list[Recorder] = []

    class Noted(Recorder):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

    monkeypatch.setattr(lifespan_command, "Recorder", Noted)
    return made


def assert_removed(made: list[Recorder]) -> None:
    """The command's recorder watched its run only: a later phase reaches it no more."""
    assert len(made) == 1
    seen = dict(made[0].phases)
    observers.phase_started("startup")
    assert made[0].phases == seen


@override_settings(
    LIFESPAN_CONTEXTS=[
        contexts.sync_context,
        [contexts.slow_one, contexts.slow_two],
        background("tests.services_targets.idle", name="idler"),
    ]
)
def test_the_command_draws_what_ran_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made = recorders_made(monkeypatch)
    out = StringIO()
    call_command("lifespan", "--timeline", str(tmp_path / "run.svg"), stdout=out)
    svg = (tmp_path / "run.svg").read_text()
    output = out.getvalue()
    assert f"Timeline written to {tmp_path / 'run.svg'}." in output
    assert output.rstrip().endswith("Startup and shutdown succeeded (4 contexts).")
    startup, shutdown = bars(svg, "startup"), bars(svg, "shutdown")
    one, two = "tests.contexts.slow_one", "tests.contexts.slow_two"
    names = ["tests.contexts.sync_context", "group of 2, together", one, two, "background('idler')"]
    assert sorted(startup) == sorted(names) and sorted(shutdown) == sorted(names)
    # Both slow members slept 0.3 s entering, at the same time: their bars overlap.
    for found in (startup, shutdown):
        assert float(found[one][0].get("data-seconds", "0")) >= 0.3
        (a, b), (c, d) = span_of(found[one][0]), span_of(found[two][0])
        assert a < d and c < b
    # The sync context was entered before the group started, and exited after it was done.
    # (Starts compared: a bar too short to see is drawn 1.5 px wide.)
    assert span_of(startup["tests.contexts.sync_context"][0])[0] < span_of(startup[one][0])[0]
    last = max(span_of(shutdown[one][0])[1], span_of(shutdown[two][0])[1])
    assert span_of(shutdown["tests.contexts.sync_context"][0])[0] >= last - 0.01
    assert_removed(made)


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, contexts.fails_on_enter, contexts.beta])
def test_a_failed_startup_still_writes_the_timeline_and_exits_non_zero(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = recorders_made(monkeypatch)
    out = StringIO()
    with pytest.raises(CommandError, match="while entering 'tests.contexts.fails_on_enter'"):
        call_command("lifespan", "--timeline", str(tmp_path / "failed.svg"), stdout=out)
    svg = (tmp_path / "failed.svg").read_text()
    startup = bars(svg, "startup")
    assert [rect.get("class") for rect in startup["tests.contexts.fails_on_enter"]] == ["bar context failed"]
    # alpha was entered, then exited as the failed startup unwound: two bars in startup.
    assert len(startup["tests.contexts.alpha"]) == 2
    assert "tests.contexts.beta" not in startup and "not reached" in texts(svg)
    assert "FAILED RuntimeError" in " ".join(texts(svg))
    assert_removed(made)
    assert contexts.EVENTS == ["enter alpha", "enter fails_on_enter", "exit alpha"]


def test_a_timeline_into_a_missing_folder_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="does not exist"):
        call_command("lifespan", "--timeline", str(tmp_path / "nope" / "x.svg"), stdout=StringIO())
    assert contexts.EVENTS == []


def test_an_observer_that_raises_changes_nothing_in_the_timeline(tmp_path: Path) -> None:
    class Broken:
        def __getattr__(self, name: str) -> object:
            def fail(*args: object) -> None:
                raise ValueError("observer bug")

            return fail

    broken = Broken()
    observers.add_observer(broken)  # type: ignore[arg-type]
    try:
        with override_settings(LIFESPAN_CONTEXTS=[contexts.alpha]):
            call_command("lifespan", "--timeline", str(tmp_path / "t.svg"), stdout=StringIO())
    finally:
        observers.remove_observer(broken)  # type: ignore[arg-type]
    assert list(bars((tmp_path / "t.svg").read_text())) == ["tests.contexts.alpha"]


# -- in a real browser --------------------------------------------------------


def rendered_by_chromium(svg: Path, tmp_path: Path) -> str:
    """The DOM headless Chromium built from the file, and a screenshot of it beside the file."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (apt-get install -y chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
    flags += ["--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
    flags += [f"--user-data-dir={tmp_path / 'chromium-profile'}"]
    url = svg.resolve().as_uri()
    dom = subprocess.run(
        [str(CHROMIUM), *flags, "--dump-dom", url], capture_output=True, text=True, timeout=180, check=True
    ).stdout
    shot = svg.with_suffix(".png")
    subprocess.run(
        [str(CHROMIUM), *flags, "--window-size=900,700", f"--screenshot={shot}", url],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert shot.stat().st_size > 10_000  # A drawn picture, not a blank page or an error.
    return dom


def test_chromium_shows_every_context_of_the_sample_site(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env["BOOKS_API_URL"] = "http://127.0.0.1:9/api/"  # Never called by a run without requests.
    target = tmp_path / "sample.svg"
    run = subprocess.run(
        [sys.executable, "manage.py", "lifespan", "--timeline", str(target)],
        cwd=SITE,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    dom = rendered_by_chromium(target, tmp_path)
    assert "parsererror" not in dom and "<svg" in dom, dom[:2000]
    shown = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", dom)]
    for name in SAMPLE_CONTEXTS:
        label = f"{name} (app 'visits')" if name.startswith("visits.") else name
        assert shown.count(label) == 2, (name, shown)  # In startup and in shutdown.
    assert "group of 2, together" in shown and any(t.startswith("Startup: ") for t in shown)


@override_settings(LIFESPAN_CONTEXTS=[contexts.alpha, [contexts.sync_context, contexts.fails_on_enter]])
def test_chromium_shows_a_failed_startup(tmp_path: Path) -> None:
    target = tmp_path / "failed.svg"
    with pytest.raises(CommandError):
        call_command("lifespan", "--timeline", str(target), stdout=StringIO())
    dom = rendered_by_chromium(target, tmp_path)
    shown = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", dom)]
    assert {"tests.contexts.alpha", "tests.contexts.sync_context", "tests.contexts.fails_on_enter"} <= set(
        shown
    )
    assert any(text.startswith("FAILED RuntimeError") for text in shown), shown


def test_asyncio_cancelled_members_are_drawn_as_cancelled() -> None:
    plan: Plan = (Group((entry("a.slow"), entry("a.bad")), "LIFESPAN_CONTEXTS[0]"),)
    recorder = recorded(
        plan,
        [("startup", "a.slow", 0, 40, asyncio.CancelledError()), ("startup", "a.bad", 0, 40, OSError("x"))],
    )
    startup = bars(render(recorder, plan), "startup")
    assert startup["a.slow"][0].get("class") == "bar context cancelled"
    assert startup["a.bad"][0].get("class") == "bar context failed"


def test_the_docs_picture_shows_the_sample_sites_plan() -> None:
    # Redrawn by: cd sample_site && python manage.py lifespan --timeline ../docs/images/timeline.svg
    svg = (REPO / "docs" / "images" / "timeline.svg").read_text()
    labels = [f"{name} (app 'visits')" if name.startswith("visits.") else name for name in SAMPLE_CONTEXTS]
    for phase in ("startup", "shutdown"):
        found = bars(svg, phase)
        contexts_drawn = [
            name for name, rects in found.items() if "receiver" not in rects[0].get("class", "")
        ]
        assert sorted(contexts_drawn) == sorted([*labels, "group of 2, together"]), phase
        assert all("ok" in rects[0].get("class", "").split() for rects in found.values())
    assert (REPO / "docs" / "command.md").read_text().count("](images/timeline.svg)") == 1
    assert (REPO / "README.md").read_text().count("](docs/images/timeline.svg)") == 1
