"""The UI's pure parts: themes from files, the [keys] check, error grouping, drilldown figures and ticks, the
coalescing feed, the first-data wait and the terminal watch."""

from __future__ import annotations

import asyncio
import os
import pty
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from livetop.clock import ManualClock
from livetop.engine.store import DomainKey, RequestRecord, Store
from livetop.model import DecodedError, FetchResult, Sample
from livetop.ui import themes
from livetop.ui.app import LivetopApp, zoom
from livetop.ui.bindings import RESERVED_KEYS, binding_ids, check_keymap, is_known_key, usable_keymap
from livetop.ui.drilldown_data import (
    figures,
    group_buckets,
    local_utc_offset,
    tick_label,
    time_ticks,
    value_ticks,
)
from livetop.ui.error_groups import error_kinds, group_errors
from livetop.ui.feed import SnapshotFeed, wait_for_first_data
from livetop.ui.terminal import TerminalWatch
from livetop.ui.widgets.status_bar import StatusState, fit_parts, status_parts

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
A, B, C = (
    DomainKey("hw", "a.example.com"),
    DomainKey("hw", "b.example.com"),
    DomainKey("jd", "c.example.com"),
)

# --- themes -----------------------------------------------------------------------------------------------


def test_shipped_themes_load_and_the_ansi_one_uses_only_ansi_colours():
    found = themes.load_themes([themes.shipped_themes_dir()])
    assert found.problems == []
    assert {"livetop-dark", "livetop-light", "livetop-ansi"} <= set(found.names)
    ansi = found.themes["livetop-ansi"]
    assert ansi.ansi is True
    colours = [getattr(ansi, k) for k in ("primary", "secondary", "accent", "warning", "error", "success",
                                          "foreground", "background", "surface", "panel")]  # fmt: skip
    colours += list(ansi.variables.values())
    assert all(c.startswith("ansi_") or c == "none" for c in colours), colours
    assert found.themes["livetop-light"].dark is False


def test_a_bad_theme_file_is_a_problem_not_a_crash_and_user_themes_override(tmp_path: Path):
    user = tmp_path / "livetop" / "themes"
    user.mkdir(parents=True)
    (user / "broken.toml").write_text('name = "broken"\nprimary = "#12345"\n')
    (user / "typo.toml").write_text('name = "typo"\nprimry = "#123456"\n')
    (user / "garbage.toml").write_text("this is [not toml\n")
    (user / "mine.toml").write_text('name = "livetop-light"\nprimary = "#ff0000"\ndark = false\n')
    found = themes.load_themes([themes.shipped_themes_dir(), user])
    assert len(found.problems) == 3
    joined = "\n".join(found.problems)
    assert "broken.toml: primary = '#12345' is not a colour" in joined
    assert "typo.toml: unknown key 'primry'" in joined
    assert "garbage.toml: not valid TOML" in joined
    assert found.themes["livetop-light"].primary == "#ff0000"  # the user's file wins
    assert "livetop-dark" in found.themes


@pytest.mark.parametrize(
    ("variables", "problem"),
    [
        (
            {"block-cursor-background": "notacolour"},
            "variables.block-cursor-background = 'notacolour' is not a colour",
        ),
        ({"foreground-muted": "none"}, "variables.foreground-muted = 'none' is not a colour"),
        (
            {"block-cursor-text-style": "blod"},
            "variables.block-cursor-text-style = 'blod' is not a text style",
        ),
        ({"my-own": "}{"}, "variables.my-own = '}{' is not a CSS value"),
    ],
)
def test_theme_variables_textual_cannot_parse_make_the_file_a_problem(tmp_path: Path, variables, problem):
    data = {"name": "mine", "primary": "#4aa3df", "variables": variables}
    with pytest.raises(themes.ThemeError, match=re.escape(problem)):
        themes.parse_theme(data, tmp_path / "mine.toml")
    fine = {"block-cursor-background": "red 50%", "block-cursor-text-style": "bold", "my-own": "anything 3"}
    assert themes.parse_theme({**data, "variables": fine}, tmp_path / "mine.toml").variables == fine


def test_user_themes_live_under_xdg_config_home(tmp_path: Path):
    assert themes.user_themes_dir({"XDG_CONFIG_HOME": str(tmp_path)}) == tmp_path / "livetop" / "themes"
    assert themes.user_themes_dir({}).parts[-3:] == (".config", "livetop", "themes")


def test_next_theme_wraps_around():
    names = ["a", "b", "c"]
    assert [themes.next_theme(names, n) for n in names] == ["b", "c", "a"]
    assert themes.next_theme(names, "textual-dark") == "a"


def test_the_sort_modes_have_one_home_the_config_and_the_overview_share():
    from livetop.config.load import SORT_MODES
    from livetop.ui.sorts import SORTS, check_sort, next_sort
    from livetop.ui.widgets.overview import Overview

    assert SORT_MODES is SORTS and Overview.SORTS is SORTS
    assert [next_sort(m) for m in SORTS] == [*SORTS[1:], SORTS[0]]
    with pytest.raises(ValueError, match="one of bandwidth, change"):
        check_sort("loudest")


def test_zoom_steps_through_the_windows():
    assert zoom(3600, 1) == 3 * 3600 and zoom(3 * 3600, 1) == 6 * 3600 and zoom(6 * 3600, 1) == 86400
    assert zoom(86400, 1) == 7 * 86400 and zoom(7 * 86400, 1) == 30 * 86400 and zoom(30 * 86400, 1) == 30 * 86400
    assert zoom(3600, -1) == 3600 and zoom(86400, -1) == 6 * 3600 and zoom(30 * 86400, -1) == 7 * 86400
    assert zoom(2 * 3600, 1) == 3 * 3600 and zoom(2 * 3600, -1) == 3600  # a config window off the ladder


# --- [keys] -----------------------------------------------------------------------------------------------


def test_keymap_check_names_typos_and_reserved_keys():
    known = binding_ids(LivetopApp.binding_groups())
    assert "overview.select" in known and "app.quit" in known
    problems = check_keymap(
        {"overview.select": "enter,o", "overview.selct": "x", "app.quit": "ctrl+b", "app.help": " "}, known
    )
    assert len(problems) == 3
    assert "'overview.selct' is not a livetop binding id" in problems[0]
    assert "ctrl+b" in problems[1] and "tmux" in problems[1]
    assert "needs one or more keys" in problems[2]
    assert check_keymap({"overview.sort": "o"}, known) == []


def test_keys_textual_cannot_report_are_named_and_dropped():
    for key in ("o", "G", "?", "/", "enter", "f5", "ctrl+r", "shift+g", "question_mark", "slash", "plus",
                "pagedown", "alt+left", "equals_sign", "["):  # fmt: skip
        assert is_known_key(key), key
    for key in ("[/]", "[b]x[/b]", "ctrl+", "hyper+super+nope", "enterr", "cmd+k", " "):
        assert not is_known_key(key), key
    known = binding_ids(LivetopApp.binding_groups())
    problems = check_keymap({"overview.freeze": "[/],z", "overview.sort": "[b]"}, known)
    assert len(problems) == 2 and "'[/]' is not a key livetop can receive" in problems[0]
    assert usable_keymap({"overview.freeze": "[/], z", "overview.sort": "[b]"}) == {"overview.freeze": "z"}


def test_no_default_binding_sits_on_a_reserved_key():
    from textual.binding import Binding

    for _, items in LivetopApp.binding_groups():
        for binding in items:
            assert isinstance(binding, Binding) and binding.id and binding.description
            assert not {k.strip() for k in binding.key.split(",")} & RESERVED_KEYS, binding


# --- store fixtures ---------------------------------------------------------------------------------------


def _record(clock: ManualClock, ok: bool, status: int | None = 200, code: str = "") -> RequestRecord:
    return RequestRecord(
        clock.now(), ok, status, code, 20.0, 2, clock.now() - timedelta(hours=1), clock.now()
    )


def _success(store: Store, clock: ManualClock, key: DomainKey, values: list[float]) -> None:
    end = clock.now()
    bw = [Sample(end - timedelta(minutes=5 * (len(values) - i)), v) for i, v in enumerate(values)]
    tr = [Sample(s.bucket_start, s.value * 300 / 8) for s in bw]
    store.record_success(
        key, FetchResult(bandwidth=bw, traffic=tr, requests=2), _record(clock, True),
        covered_from=end - timedelta(hours=1),
    )


def _error(vendor: str, code: str, raw: str = "") -> DecodedError:
    return DecodedError(
        vendor, code, 400, f"title {code}", f"means {code}", f"do {code}", False, raw_message=raw
    )


def make_store() -> tuple[ManualClock, Store]:
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    for key, vendor in ((A, "huawei"), (B, "huawei"), (C, "jdcloud")):
        store.ensure(key, vendor, None)
    return clock, store


# --- error groups -----------------------------------------------------------------------------------------


def test_errors_group_by_vendor_and_code_with_the_latest_message():
    clock, store = make_store()
    store.record_failure(A, _error("huawei", "LIVE.100011001", "first"), _record(clock, False, 400), True)
    clock.advance(30)
    store.record_failure(B, _error("huawei", "LIVE.100011001", "second"), _record(clock, False, 400), False)
    store.record_failure(C, _error("jdcloud", "JD.STATUS.2", "start_time format error"),
                         _record(clock, False, 200), False)  # fmt: skip
    groups = group_errors(store.snapshot())
    assert [(g.vendor, g.code, len(g.domains)) for g in groups] == [
        ("huawei", "LIVE.100011001", 2),
        ("jdcloud", "JD.STATUS.2", 1),
    ]
    live = groups[0]
    assert live.domains == (A, B) and live.since == T0 and live.latest_at == T0 + timedelta(seconds=30)
    assert live.error.raw_message == "second" and live.halted == 1
    kinds = error_kinds(store.snapshot())  # (vendor, code, title, meaning): a code's decoded variants differ
    assert {k[:2] for k in kinds} == {("huawei", "LIVE.100011001"), ("jdcloud", "JD.STATUS.2")} and len(kinds) == 2
    _success(store, clock, A, [1e9])
    assert [len(g.domains) for g in group_errors(store.snapshot())] == [1, 1]
    assert group_errors(None) == []


# --- drilldown figures and axes ---------------------------------------------------------------------------


def test_billing_figures_come_from_the_snapshot():
    clock, store = make_store()
    _success(store, clock, A, [1e9, 3e9, 2e9, 2e9])
    pairs = dict(figures(store.domain(A), 3600))
    assert pairs["now"] == "2.00 Gbps"
    assert pairs["peak"].startswith("3.00 Gbps at ")
    assert pairs["95th percentile"] == "3.00 Gbps" and pairs["average"] == "2.00 Gbps"
    assert pairs["traffic (1h)"] == "300 GB"  # (1+3+2+2) Gbps x 300 s / 8


def test_value_ticks_are_round_and_cover_the_top():
    assert value_ticks(6.38e9) == [0.0, 2e9, 4e9, 6e9, 8e9]
    assert value_ticks(929e6) == [0.0, 250e6, 500e6, 750e6, 1000e6]
    assert value_ticks(0.0) == [0.0, 1.0]


def test_time_ticks_land_on_round_clock_times():
    start = T0.timestamp() - 3600 + 120
    ticks = time_ticks(start, T0.timestamp(), 6, utc_offset=0)
    assert all(t % 600 == 0 for t in ticks) and ticks[-1] == T0.timestamp() and len(ticks) <= 6
    assert all(t % 3600 == 0 for t in time_ticks(T0.timestamp() - 86400, T0.timestamp(), 12, utc_offset=0))


def test_time_ticks_are_round_on_the_local_clock_in_a_half_hour_zone():
    india = 5 * 3600 + 1800
    ticks = time_ticks(T0.timestamp() - 86400, T0.timestamp(), 8, utc_offset=india)
    assert ticks and all((t + india) % (3 * 3600) == 0 for t in ticks)  # 3 h steps from local midnight
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "IST-5:30"  # POSIX form: no tz database needed
    time.tzset()
    try:
        assert local_utc_offset(T0.timestamp()) == india
        labels = [tick_label(t) for t in time_ticks(T0.timestamp() - 86400, T0.timestamp(), 8)]
        assert labels and all(label.endswith(":00") and int(label[:2]) % 3 == 0 for label in labels), labels
    finally:
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_bars_group_into_round_buckets_when_there_are_too_many():
    times = [int(T0.timestamp()) - 300 * i for i in range(1, 289)][::-1]  # 24 h of 5-minute buckets to 12:00
    starts, sums, size = group_buckets(times, [1.0] * 288, 30)
    assert size == 3600 and len(starts) == 24 and sums == [12.0] * 24
    starts, sums, size = group_buckets(times[-12:], [2.0] * 12, 30)
    assert size == 300 and sums == [2.0] * 12
    assert group_buckets([], [], 10) == ([], [], 300)


# --- status line --------------------------------------------------------------------------------------


def test_status_line_keeps_the_important_parts_on_narrow_screens():
    state = StatusState(3600, 30, "bandwidth", "arena", True, 12, 1, (("ok", 9), ("error", 3)))
    full = "".join(t for t, _ in fit_parts(status_parts(state), 200))
    assert (
        full
        == " FROZEN  · 12 domains: 9 ok, 3 failing · filter “arena” 1 shown · window 1h · polled every 30 s · sort "
        "bandwidth"
    )
    narrow = "".join(t for t, _ in fit_parts(status_parts(state), 40))
    assert narrow == " FROZEN  · 12 domains: 9 ok, 3 failing"


# --- the feed -----------------------------------------------------------------------------------------


async def test_the_feed_coalesces_a_burst_into_one_delivery():
    clock, store = make_store()
    delivered: list[frozenset[DomainKey]] = []
    feed = SnapshotFeed(store, delivered.append, min_interval=0.2, settle=0.01)
    feed.start()
    for _ in range(100):
        for key in (A, B, C):
            _success(store, clock, key, [1e9])
    assert delivered == []  # nothing synchronous: the writer is never slowed by the UI
    await asyncio.sleep(0.05)
    assert delivered == [frozenset({A, B, C})]
    _success(store, clock, A, [2e9])
    await asyncio.sleep(0.05)
    assert len(delivered) == 1  # min_interval not over yet: held back...
    await asyncio.sleep(0.25)
    assert delivered[-1] == frozenset({A})  # ...then delivered
    feed.stop()
    _success(store, clock, B, [2e9])
    await asyncio.sleep(0.3)
    assert len(delivered) == 2


async def test_first_data_wait_ends_when_every_domain_answered():
    clock, store = make_store()
    waiter = asyncio.create_task(wait_for_first_data(store, timeout=30))
    await asyncio.sleep(0)
    _success(store, clock, A, [1e9])
    store.record_failure(B, _error("huawei", "X"), _record(clock, False, 400), False)
    await asyncio.sleep(0)
    assert not waiter.done()
    _success(store, clock, C, [1e9])
    assert await waiter is True
    _, empty = make_store()
    assert await wait_for_first_data(empty, timeout=0.01) is False  # nobody answers: gives up


# --- terminal watch -----------------------------------------------------------------------------------


async def test_terminal_watch_notices_a_hung_up_pty_and_sighup():
    master, slave = pty.openpty()
    gone: list[str] = []
    watch = TerminalWatch(gone.append, fd=slave, hard_exit_after=None)
    watch.check()
    assert gone == []
    os.close(master)  # the terminal goes away: the tty now answers EIO
    watch.check()
    assert gone == ["stdin is no longer a terminal"]
    os.close(slave)
    gone2: list[str] = []
    watch2 = TerminalWatch(gone2.append, fd=0, hard_exit_after=None)
    watch2.install_signals()
    try:
        os.kill(os.getpid(), __import__("signal").SIGHUP)
        for _ in range(100):
            if gone2:
                break
            await asyncio.sleep(0.01)
    finally:
        watch2.uninstall_signals()
    assert gone2 == ["signal SIGHUP"]


async def test_sigterm_is_a_stop_not_a_lost_terminal_and_the_old_handlers_come_back():
    import signal

    before = signal.getsignal(signal.SIGTERM)

    def earlier(signum, frame):  # e.g. the demo's: raise SystemExit so its cleanup runs
        pass

    signal.signal(signal.SIGTERM, earlier)
    gone: list[str] = []
    stopped: list[str] = []
    try:
        watch = TerminalWatch(gone.append, stopped.append, fd=0, hard_exit_after=None)
        watch.install_signals()
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(100):
            if stopped:
                break
            await asyncio.sleep(0.01)
        watch.uninstall_signals()
        assert stopped == ["signal SIGTERM"] and gone == []  # the terminal is fine: restore it on the way out
        assert signal.getsignal(signal.SIGTERM) is earlier
    finally:
        signal.signal(signal.SIGTERM, before)


def test_a_pipe_is_not_a_terminal():
    read, write = os.pipe()
    gone: list[str] = []
    TerminalWatch(gone.append, fd=read, hard_exit_after=None).check()
    os.close(read)
    os.close(write)
    assert gone == ["stdin is no longer a terminal"]


@pytest.mark.parametrize("name", ["livetop-dark", "livetop-light", "livetop-ansi"])
def test_every_shipped_theme_builds_a_colour_system(name):
    theme = themes.load_themes([themes.shipped_themes_dir()]).themes[name]
    variables = theme.to_color_system().generate()
    assert variables["error"] and variables["success"] and variables["foreground-muted"]


def test_a_collectors_alert_count_is_marked_stale_while_it_is_unreachable():
    def line(**alerts) -> str:
        state = StatusState(3600, 30, "bandwidth", total=4, counts=(("stale", 4),), **alerts)
        return "".join(t for t, _ in fit_parts(status_parts(state), 200))

    assert "⚑ 2 alerts firing (a)" in line(alerts=2)
    assert "⚑ 2 alerts firing (stale) (a)" in line(alerts=2, alerts_critical=1, alerts_stale=True)
    # None firing when it was last heard is not "none firing now": no silence that reads as all clear.
    assert "⚑ alerts unknown (a)" in line(alerts_stale=True)
    assert "⚑" not in line()


def test_the_status_line_says_how_often_domains_are_really_polled():
    """The schedule asks a domain when its data can have changed (about once a minute), not every refresh; an
    account its limit cannot serve is asked slower still. The line says that, from the accounts' figures."""
    from livetop.engine.capacity import Capacity
    from livetop.ui.widgets.status_bar import poll_intervals

    def cap(name, cadence, demand=60.0, limit=600.0, domains=10):
        return Capacity(name, domains, 15.0, demand, limit, cadence_seconds=cadence)

    def line(caps) -> str:
        state = StatusState(3600, 15, "bandwidth", total=20, polled_seconds=poll_intervals(caps))
        return "".join(t for t, _ in fit_parts(status_parts(state), 200))

    every_minute = {"a": cap("a", 60.0), "b": cap("b", 60.0)}
    assert "polled every 1 min" in line(every_minute) and "15" not in line(every_minute)
    slow = {**every_minute, "c": cap("c", 60.0, demand=1200.0, limit=280.0)}  # 4.3x over its limit
    assert "polled every 1–4.3 min" in line(slow)
    assert "polled every 45 s–1 min" in line({"a": cap("a", 45.0), "b": cap("b", 60.0)})
    assert "polled every 15 s" in line({})  # nothing known (no account): the refresh
    assert "polled every 1 min" in line({**every_minute, "empty": cap("empty", 5.0, domains=0)})


def fitted(state: StatusState, width: int) -> str:
    return "".join(t for t, _ in fit_parts(status_parts(state), width))


GONE = ("⇄ 127.0.0.1:9360 gone (connection refused): data stale, reconnecting in 3s", "error")
GONE_SHORTER = (  # as RemoteSource.status() gives them
    "⇄ 127.0.0.1:9360 gone (connection refused): retry in 3s",
    "⇄ gone (connection refused): stale, retry in 3s",
    "⇄ gone: stale, retry in 3s",
)


def test_a_collector_out_of_reach_keeps_its_trouble_the_alerts_and_the_counts_at_120_and_80_columns():
    """The counts and the alerts' truth (stale, unknown) stay whatever the width; the collector's trouble is
    said shorter rather than dropped; the window and the sort (also in the overview's header) give way first,
    and how often the collector polls is not said while it is out of reach. The widths are the terminal's
    less the status line's padding."""
    state = StatusState(3600, 30, "bandwidth", total=30, counts=(("stale", 30),), source=GONE,
                        source_shorter=GONE_SHORTER, alerts=1, alerts_stale=True, polled_seconds=(60.0, 60.0),
                        live=False)
    assert fitted(state, 118) == (
        "⇄ 127.0.0.1:9360 gone (connection refused): retry in 3s · ⚑ 1 alert firing (stale) (a) · "
        "30 domains: 30 stale"
    )
    assert fitted(state, 78) == "⇄ gone: stale, retry in 3s · ⚑ 1 firing (stale) · 30 domains: 30 stale"
    unknown = replace(state, alerts=0)  # none firing when last heard: not "none now"
    assert fitted(unknown, 78) == "⇄ gone: stale, retry in 3s · ⚑ alerts unknown (a) · 30 domains: 30 stale"
    quiet = replace(state, alerts=0, alerts_stale=False)  # a collector without rules: the reason fits
    assert fitted(quiet, 78) == (
        "⇄ 127.0.0.1:9360 gone (connection refused): retry in 3s · 30 domains: 30 stale"
    )
    # A source without shorter forms keeps its whole text ahead of the alerts' long form.
    whole = replace(state, source_shorter=())
    assert fitted(whole, 118) == f"{GONE[0]} · ⚑ 1 firing (stale) · 30 domains: 30 stale"


def test_a_window_still_filling_is_said_at_80_columns_before_the_sort():
    """A zoom's backfill under way: the figures are short of their window. At 80 columns with a filter the
    whole "window 1d filling…" does not fit; its short form does, ahead of the sort (which the header shows)."""
    state = StatusState(86400, 30, "bandwidth", total=1000, counts=(("ok", 987), ("error", 13)),
                        filter_text="garbled", shown=1, filling=True, polled_seconds=(60.0, 60.0))
    assert fitted(state, 118) == (
        "1000 domains: 987 ok, 13 failing · filter “garbled” 1 shown · window 1d filling… · "
        "polled every 1 min · sort bandwidth"
    )
    assert fitted(state, 78) == "1000 domains: 987 ok, 13 failing · filter “garbled” 1 shown · 1d filling…"
    assert fitted(replace(state, filling=False), 78) == (
        "1000 domains: 987 ok, 13 failing · filter “garbled” 1 shown · window 1d"
    )


def test_a_narrow_status_line_drops_decoration_before_any_count():
    local = StatusState(3600, 30, "bandwidth", total=12, counts=(("ok", 9), ("error", 2), ("stale", 1)),
                        alerts=2, polled_seconds=(60.0, 60.0))
    assert fitted(local, 118) == (
        "12 domains: 9 ok, 2 failing, 1 stale · ⚑ 2 alerts firing (a) · window 1h · polled every 1 min · "
        "sort bandwidth"
    )
    assert fitted(local, 78) == "12 domains: 9 ok, 2 failing, 1 stale · ⚑ 2 firing · polled every 1 min"
    # A thousand domains in every state, frozen and alerting: the counts merge what matters least to leave the
    # alerts room at 80 columns.
    busy = replace(local, total=1000, frozen=True, counts=(("ok", 950), ("error", 20), ("stale", 10),
                                                            ("loading", 15), ("paused", 5)))
    assert fitted(busy, 78) == " FROZEN  · 1000: 950 ok, 20 failing, 10 stale, 20 loading/paused · ⚑ 2 firing"
    assert fitted(busy, 118).startswith(
        " FROZEN  · 1000 domains: 950 ok, 20 failing, 10 stale, 15 loading, 5 paused · ⚑ 2 firing"
    )
    # A viewer that has not heard from its collector: how many domains is not known, nor how they are polled.
    waiting = StatusState(3600, 30, "bandwidth", source=("⇄ 127.0.0.1:9360: connecting…", "warning"),
                          source_shorter=("⇄ connecting…",), domains_known=False, live=False)
    assert fitted(waiting, 118) == (
        "⇄ 127.0.0.1:9360: connecting… · domains unknown · window 1h · sort bandwidth"
    )
