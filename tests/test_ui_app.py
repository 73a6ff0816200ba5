"""The TUI end to end: Pilot tests of the real app on the real engine, talking HTTP to the simulator.

Every test starts the demo scenario (no added latency) on a free port, points a config at it, and drives the
app with keys. The simulator and the engine share a ManualClock, so data ages only when a test says so.
"""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from livetop.clock import ManualClock
from livetop.config.schema import Config
from livetop.engine import Engine
from livetop.engine.store import STATUS_LOADING, DomainKey
from livetop.sim.scenario import Scenario
from livetop.ui.app import LivetopApp
from livetop.ui.screens.drilldown import DrilldownScreen, Figures
from livetop.ui.screens.overview import OverviewScreen
from livetop.ui.widgets.chart import Chart
from livetop.ui.widgets.overview import Overview
from tests.conftest import demo_scenario_for_tests, load_sim_config

SIZE = (120, 40)
# Tall enough to show every demo domain at once, whatever the error panel takes (the demo grows a vendor
# account at a time).
TALL = (120, 64)


pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


def ui_scenario() -> Scenario:
    # The throttled domain's Retry-After gates its whole account; 1 s keeps its siblings from waiting 5 s.
    return replace(demo_scenario_for_tests(), throttle_retry_after=1)


def write_config(sim, tmp_path: Path, **changes) -> Config:
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout="1s")
    return replace(load_sim_config(path), **changes)


def make_app(config: Config, clock: ManualClock, **options) -> LivetopApp:
    options.setdefault("persist_theme", False)
    engine = Engine(config, clock, stagger=False)
    return LivetopApp(config, engine, clock=clock, watch_terminal=False, **options)


async def until(pilot, predicate: Callable[[], bool], what: str, timeout: float = 180.0) -> None:
    """Wait on the app's state (not a fixed sleep); the bound only turns a hang into a failure (generous: a
    loaded 2-core machine takes a minute to bring in a thousand domains)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def record_notices(app: LivetopApp) -> list:
    """Every notification the app shows, kept as it arrives (Textual's Notification objects). A toast leaves
    `app._notifications` once its timeout has passed on the wall clock, which on a loaded machine can be before
    a test looks (a warning given at start-up, read after every domain answered)."""
    seen: list = []
    add = app._notifications.add

    def record(notification):
        seen.append(notification)
        return add(notification)

    app._notifications.add = record
    return seen


def overview_screen(app: LivetopApp) -> OverviewScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, OverviewScreen)
    return screen


def shown_all_answers(app: LivetopApp) -> bool:
    """Every domain on the overview has data or an error (none still loading). A snapshot without domains is
    not an answer: a remote viewer shows one until the collector's first snapshot arrives."""
    snap = overview_screen(app).overview.snapshot
    return snap is not None and bool(snap.domains) and all(d.status != STATUS_LOADING for d in snap.domains)


def lines(overview: Overview) -> list[str]:
    return [overview.render_line(y).text for y in range(overview.scrollable_content_region.height)]


def plain(renderable, width: int = 120) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def displays(config: Config) -> dict[DomainKey, str]:
    return {DomainKey(a.name, d.name): d.display for a in config.accounts for d in a.domains}


async def unthrottled_healthy(pilot, app: LivetopApp) -> DomainKey:
    """A healthy domain in an account none of whose domains is told to slow down: a throttling answer slows
    its whole account (as the vendor's per-user limit would), which would only slow these tests. (Waited
    for: on a loaded machine every account may hold a passing refusal at first.)"""

    def find() -> DomainKey | None:
        snap = app.store.snapshot()
        throttled = {d.account for d in snap.domains if d.error is not None and d.error.throttled}
        return next((d.key for d in snap.domains if d.error is None and d.account not in throttled), None)

    await until(pilot, lambda: find() is not None, "a healthy domain in an account nobody throttles")
    return find()


async def started(pilot, app: LivetopApp) -> OverviewScreen:
    await until(pilot, lambda: shown_all_answers(app), "every domain to answer")
    return overview_screen(app)


# --- overview ---------------------------------------------------------------------------------------


async def test_overview_lists_every_demo_domain_with_values(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    faulty = {d.name for a in sim.sim.scenario.accounts for d in a.domains if d.fault}
    app = make_app(config, sim_clock)
    # Tall enough for every demo row beside the auto-opened error panel: this is about what each row says.
    async with app.run_test(size=(120, 80)) as pilot:
        screen = await started(pilot, app)
        text = lines(screen.overview)
        for key, display in displays(config).items():
            row = next((t for t in text if f" {display} " in t), None)
            assert row is not None, f"{display} missing from the overview"
            if key.domain in faulty:
                assert row.startswith("✖"), row
            else:
                assert row.startswith("● ") and " 0s " in row, row
                assert re.search(r"\d [KMGT]?bps .*\d [KMGT]?bps +[\d.]+ [KMGT]?B ", row), row
        assert sum(t.startswith("Σ") for t in text) == len(config.accounts) + 1
        status = screen.status_bar.plain
        total = len(displays(config))
        assert f"{total} domains: {total - len(faulty)} ok, {len(faulty)} failing" in status
        assert "window 1h" in status and "polled every 1 min" in status and "sort bandwidth" in status


async def test_enter_opens_the_drilldown_of_the_selected_domain_and_esc_keeps_the_selection(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        await pilot.press("j", "j")
        selected = ov.selected_key
        assert selected is not None and selected != ov.snapshot.domains[0].key
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        drill = app.screen
        assert drill.key == selected
        await pilot.pause()
        d = app.store.domain(selected)
        title = str(drill.query_one("#dd-title").content)
        assert selected.domain in title and selected.account in title
        figures = dict(drill.query_one(Figures)._pairs)
        assert {"now", "peak", "95th percentile", "average", "traffic (1h)", "settled up to"} <= set(figures)
        if d.bandwidth_now is not None:
            assert "bps" in figures["now"] and " at " in figures["peak"]
            chart = drill.query_one("#bandwidth-chart", Chart)
            assert chart.data.values == tuple(d.bandwidth.values)
            drawn = chart.render().plain
            assert "bps" in drawn and ":" in drawn  # humanised y labels, HH:MM time axis
        requests = plain(drill.query_one("#dd-requests").content)
        assert "Last requests" in requests and ("200" in requests or d.error is not None)
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview")
        assert ov.selected_key == selected
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown again")
        await pilot.press("backspace")
        await until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the overview again")
        assert ov.selected_key == selected


async def test_drilldown_follows_new_data_and_decodes_a_failing_domain(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        healthy = await unthrottled_healthy(pilot, app)
        app.open_drilldown(healthy)
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        drill = app.screen
        before = app.store.domain(healthy)
        sim_clock.advance(300)  # a new 5-minute bucket exists now
        await pilot.press("r")  # refresh the domain on screen
        await until(pilot, lambda: app.store.domain(healthy).version > before.version, "the refresh")
        await until(
            pilot,
            lambda: drill.query_one("#bandwidth-chart", Chart).data.times[-1] > before.bandwidth.times[-1],
            "the chart to follow",
        )
        await pilot.press("escape")
        failing = next(d for d in app.store.snapshot().domains if d.error is not None and d.error.meaning)
        app.open_drilldown(failing.key)
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the failing domain's drilldown")
        await pilot.pause()
        errors = plain(app.screen.query_one("#dd-errors").content)
        assert failing.error.code in errors and failing.error.meaning.split()[0] in errors
        assert "means" in errors and "do" in errors


# --- error panel ------------------------------------------------------------------------------------


async def test_error_panel_shows_the_decoded_errors_of_the_failing_demo_domains(
    make_sim, sim_clock, tmp_path
):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        assert screen.error_panel_open  # opened by itself when the errors appeared (ui.error_panel_auto_open)
        snap = screen.overview.snapshot
        failing = [d for d in snap.domains if d.error is not None]
        codes = {d.error.code for d in failing}
        assert {"LIVE.100011001", "APIGW.0308", "LIVE.100011007"} <= codes
        assert any(code.startswith("JD.") for code in codes)
        await until(
            pilot,
            lambda: all(d.error.code in " ".join(screen.error_panel.plain_text(width=200).split()) for d in failing),
            "every failing domain in the panel",
        )
        text = " ".join(screen.error_panel.plain_text(width=200).split())
        for d in failing:
            assert d.error.code in text and d.error.title in text
            assert " ".join(d.error.action.split()) in text
            assert f"{d.account}/{d.domain}" in text
        assert "means" in text and "since" in text and "latest" in text
        secrets = [
            s.reveal()
            for a in config.accounts
            for s in (a.credentials.secret_key, a.credentials.access_key, a.credentials.password)
            if s is not None
        ]
        assert secrets and not any(secret in text for secret in secrets)
        await pilot.press("e")
        assert not screen.error_panel_open
        await pilot.press("e")
        assert screen.error_panel_open


async def test_error_panel_stays_closed_when_auto_open_is_off(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    config = replace(config, ui=replace(config.ui, error_panel_auto_open=False))
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        assert not screen.error_panel_open


# --- filter, sort, freeze, zoom -------------------------------------------------------------------------


async def test_filter_narrows_as_you_type_enter_keeps_esc_clears(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        total = ov.visible_domain_count
        await pilot.press("slash", *"esports")
        assert ov.visible_domain_count == 1 and "esports" in ov.selected_key.domain
        assert "“esports” 1 shown" in screen.status_bar.plain
        await pilot.press("enter")
        assert ov.filter_text == "esports" and ov.has_focus
        await pilot.press("escape")  # on the overview: clears the filter
        assert ov.filter_text == "" and ov.visible_domain_count == total
        await pilot.press("slash", *"jd")
        assert ov.visible_domain_count == sum(
            len(a.domains) for a in config.accounts if a.vendor == "jdcloud"
        )
        await pilot.press("escape")  # in the filter line: clears and closes
        assert ov.filter_text == "" and ov.visible_domain_count == total and ov.has_focus
        await pilot.press("slash", *"jd", "enter", "s")  # typed fast: `/` and Enter switch focus at once
        assert ov.filter_text == "jd" and ov.sort == "change" and isinstance(app.screen, OverviewScreen)


async def test_sort_cycles_through_every_mode(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        seen = []
        for _ in Overview.SORTS:
            await pilot.press("s")
            seen.append(ov.sort)
            assert f"sort {ov.sort}" in screen.status_bar.plain and f"↓{ov.sort}" in lines(ov)[0]
            if ov.sort == "name":
                first_account = [r.domain for r in ov._rows if r.domain is not None][
                    : len(config.accounts[0].domains)
                ]
                names = [d.display.casefold() for d in first_account]
                assert names == sorted(names)
            if ov.sort == "errors":
                first = next(r.domain for r in ov._rows if r.domain is not None)
                assert first.error is not None
        assert seen == [*Overview.SORTS[1:], Overview.SORTS[0]]


async def test_freeze_holds_the_view_while_polling_goes_on(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        await pilot.press("f")
        assert ov.frozen and "FROZEN" in screen.status_bar.plain
        frozen = ov.snapshot
        healthy = await unthrottled_healthy(pilot, app)
        sim_clock.advance(300)
        await pilot.press("R")  # refresh all: the store moves on...
        await until(
            pilot, lambda: app.store.domain(healthy).version > frozen.by_key[healthy].version, "a refresh"
        )
        await pilot.pause(0.5)
        assert ov.snapshot is frozen  # ...the view does not
        await pilot.press("f")
        assert not ov.frozen and "FROZEN" not in screen.status_bar.plain
        assert ov.snapshot.by_key[healthy].version == app.store.domain(healthy).version


async def test_zoom_walks_the_windows_and_backfills_history(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        healthy = await unthrottled_healthy(pilot, app)
        one_hour_ago = sim_clock.now().timestamp() - 3600
        assert app.store.domain(healthy).bandwidth.times[0] >= one_hour_ago
        await pilot.press("plus")  # already the shortest window
        assert app.store.window_seconds == 3600
        await pilot.press("minus")
        assert app.store.window_seconds == 3 * 3600
        await until(
            pilot, lambda: "LAST 3h" in lines(ov)[0] and "window 3h" in screen.status_bar.plain, "the 3h window"
        )
        await until(
            pilot,
            lambda: app.store.domain(healthy).bandwidth.times[0] < one_hour_ago - 3600,
            "the 3h backfill",
        )
        await pilot.press("minus", "minus")
        assert app.store.window_seconds == 24 * 3600  # then 7d and 30d, served from the history
        await pilot.press("plus", "plus")
        assert app.store.window_seconds == 3 * 3600


# --- size, idle -------------------------------------------------------------------------------------


async def test_a_thousand_domain_demo_mounts_and_scrolls(make_sim, sim_clock, tmp_path):
    sim = make_sim(demo_scenario_for_tests().scaled(1000))
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        assert ov.visible_domain_count == 1000 and "1000 domains" in screen.status_bar.plain
        first = ov.selected_key
        await pilot.press("G")
        last = ov.selected_key
        assert last != first and last.account == config.accounts[-1].name
        # Scrolled to the end (on a loaded machine the scroll may land a frame after the key).
        await until(pilot, lambda: "grand total, 1000 watched" in lines(ov)[-1], "the list's end on screen")
        await pilot.press("pageup", "pageup", "k")
        assert ov.selected_key not in (first, last)
        # A long name is cut to the column (generated ones run to 31 characters): its start is on screen.
        await until(
            pilot,
            lambda: any(f" {app.store.domain(ov.selected_key).display[:24]}" in t for t in lines(ov)[1:]),
            "the selected row on screen",
        )
        await pilot.press("g")
        top = app.store.domain(ov.selected_key)
        await until(
            pilot, lambda: ov.scroll_offset.y == 0 and f" {top.display[:24]}" in lines(ov)[1], "the top row"
        )


async def test_idle_means_nothing_is_drawn(make_sim, sim_clock, tmp_path):
    sim = make_sim(demo_scenario_for_tests().scaled(12, keep_faults=False))
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock, tick_seconds=0.2)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        updates = []
        real_display = app._display

        def spy(screen, renderable):
            if renderable is not None:
                updates.append(renderable)
            return real_display(screen, renderable)

        app._display = spy
        # Settled: every answer in and on screen, nothing in flight, and what that drew is drawn (a quiet
        # half-second; on a loaded machine the last answers' frames come late). A tick that drew anything
        # would never leave one.
        loops = [lp for rt in app.engine.accounts.values() for lp in rt.loops.values()]
        await until(
            pilot,
            lambda: screen.overview.snapshot.version == app.store.version and not any(lp.in_flight for lp in loops),
            "the engine to go quiet",
        )
        for _ in range(120):  # a bound that turns a screen drawn on every tick into a failure, not a hang
            updates.clear()
            await pilot.pause(0.5)
            if not updates:
                break
        else:
            raise AssertionError(f"the screen was drawn in every half-second: {updates}")
        await pilot.pause(1.5)  # several ticks: the clock does not move and no data arrives
        assert updates == []
        sim_clock.advance(15)  # ages move from 0s to 15s: something to draw
        await until(pilot, lambda: bool(updates), "the ages to be redrawn")
