"""Overview: pure sparkline, column and row tests, then Pilot tests on a tiny app that mounts only the widget."""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len
from rich.color import ColorSystem
from textual._compositor import ChopsUpdate, CompositorUpdate
from textual.app import App, ComposeResult
from textual.widgets import Static

from livetop.clock import ManualClock
from livetop.engine.store import DomainKey, RequestRecord, Store
from livetop.model import DecodedError, FetchResult, Sample
from livetop.ui.columns import GAP, column_span, layout
from livetop.ui.sparkline import levels, resample_max, sparkline
from livetop.ui.widgets import Overview
from livetop.ui.widgets import overview_render as render
from livetop.ui.widgets.overview_render import age_text, build_rows, fit
from tests.conftest import painted

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
BLOCK_GLYPHS = set("▁▂▃▄▅▆▇█●◐✖‖·Σ…↓")

# --- sparkline ------------------------------------------------------------------------------------------


def test_sparkline_maps_each_value_to_a_level():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8, ascii_mode=True) == "_.:-=+*#"


def test_resample_takes_the_max_of_each_group_so_spikes_survive():
    assert resample_max([1, 9, 2, 3, 8, 1], 3) == [9, 3, 8]
    assert sparkline([1, 9, 2, 3, 8, 1], 3) == "█▁▇"
    assert sparkline([1, 1, 1, 1, 1, 1, 1, 50], 4) == "▁▁▁█"  # the one-bucket spike is not averaged away


def test_fewer_values_than_columns_are_stretched_and_no_data_is_blank():
    assert resample_max([1, 5], 6) == [1, 1, 1, 5, 5, 5]
    assert sparkline([1, 5], 6) == "▁▁▁███"
    assert sparkline([], 4) == "    "
    assert sparkline([1, 2], 0) == ""
    assert sparkline([math.nan, 4.0], 2) == "▁█"  # non-finite counts as zero


def test_from_zero_keeps_a_flat_high_line_flat():
    noisy = [10.0e9, 10.1e9, 9.9e9, 10.0e9]
    assert sparkline(noisy, 4) == "▅█▁▅"  # auto scale magnifies 1 % noise into a saw
    assert sparkline(noisy, 4, from_zero=True) == "████"
    assert sparkline([5.0, 5.0, 5.0], 3) == "███"  # exactly flat: falls back to the zero-based scale
    assert sparkline([0.0, 0.0], 2) == "▁▁"
    assert levels([0.0, 5.0, 10.0], 8, from_zero=True) == [0, 4, 7]


# --- columns --------------------------------------------------------------------------------------------


def _used(columns) -> int:
    return sum(c.width for c in columns) + GAP * (len(columns) - 1)


def test_120_columns_show_everything():
    columns = layout(120)
    assert [(c.name, c.width) for c in columns] == [
        ("mark", 1),
        ("vendor", 2),
        ("domain", 28),
        ("now", 9),
        ("delta", 5),
        ("spark", 20),
        ("peak", 9),
        ("traffic", 8),
        ("age", 4),
        ("error", 25),
    ]
    assert _used(columns) == 120


def test_narrow_screens_drop_traffic_then_peak_then_age():
    assert [c.name for c in layout(100)] == [
        "mark",
        "vendor",
        "domain",
        "now",
        "delta",
        "spark",
        "peak",
        "age",
        "error",
    ]
    assert [c.name for c in layout(90)] == ["mark", "vendor", "domain", "now", "delta", "spark", "age", "error"]
    at_80 = layout(80)
    assert [(c.name, c.width) for c in at_80] == [
        ("mark", 1),
        ("vendor", 2),
        ("domain", 24),
        ("now", 9),
        ("delta", 5),
        ("spark", 16),
        ("error", 17),
    ]
    assert [c.name for c in layout(40)] == ["mark", "vendor", "domain", "now", "error"]
    for width in range(200):
        assert _used(layout(width)) <= max(width, 0) or not layout(width)


def test_fit_truncates_by_cells_with_an_ellipsis():
    assert fit("play.example.com", 8) == "play.ex…"
    assert fit("play.example.com", 8, ascii_mode=True) == "play.ex~"
    assert fit("1.25 Gbps", 10, "right") == " 1.25 Gbps"
    assert cell_len(fit("主站直播abc", 6)) == 6


def test_age_moves_in_fifteen_second_steps_under_a_minute():
    assert [age_text(T0 + timedelta(seconds=s), T0) for s in (0, 14, 15, 29, 30, 59, 61, 3700)] == [
        "0s",
        "0s",
        "15s",
        "15s",
        "30s",
        "45s",
        "1m",
        "1h01",
    ]
    assert age_text(T0, None) == "-"


# --- fixtures -------------------------------------------------------------------------------------------

HW, JD = "hw-main", "jd-backup"
A, B, C = (
    DomainKey(HW, "play-a.example.com"),
    DomainKey(HW, "play-b.example.com"),
    DomainKey(HW, "play-c.example.com"),
)
D, E = DomainKey(JD, "play-d.example.com"), DomainKey(JD, "play-e.example.com")


def _series(values: list[float], end: datetime) -> list[Sample]:
    return [Sample(end - timedelta(minutes=5 * (len(values) - i)), v) for i, v in enumerate(values)]


def _record(clock: ManualClock, ok: bool = True, code: str = "") -> RequestRecord:
    return RequestRecord(
        clock.now(), ok, 200 if ok else 429, code, 12.0, 2, T0 - timedelta(hours=1), clock.now()
    )


def _success(store: Store, clock: ManualClock, key: DomainKey, bandwidth: list[float]) -> None:
    result = FetchResult(
        bandwidth=_series(bandwidth, clock.now()), traffic=_series([1e9] * len(bandwidth), clock.now())
    )
    # A fetch of the whole window (as the engine's first one): the domain's window is complete.
    store.record_success(key, result, _record(clock), covered_from=clock.now() - timedelta(hours=1))


def make_store() -> tuple[ManualClock, Store]:
    """hw-main: A flat 3 Gbps, B rising to 1 Gbps, C ("Arena") falling off a cliff; jd-backup: D, E failing."""
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    for key, vendor, label in (
        (A, "huawei", None),
        (B, "huawei", None),
        (C, "huawei", "Arena"),
        (D, "jdcloud", None),
        (E, "jdcloud", None),
    ):
        store.ensure(key, vendor, label)
    _success(store, clock, A, [3.0e9, 3.03e9, 2.97e9, 3.0e9])
    _success(store, clock, B, [0.25e9, 0.5e9, 0.5e9, 1.0e9])
    _success(store, clock, C, [2.0e9, 2.0e9, 2.0e9, 0.2e9])
    _success(store, clock, D, [400e6, 450e6, 500e6, 500e6])
    error = DecodedError("jdcloud", "RATE_LIMIT", 429, "too many requests", "m", "a", True, throttled=True)
    store.record_failure(E, error, _record(clock, ok=False, code="RATE_LIMIT"), halted=False)
    return clock, store


class OverviewApp(App):
    def __init__(self, store: Store | None = None, **options) -> None:
        super().__init__()
        self.store = store
        self.options = options
        self.selected: list[DomainKey] = []
        self.highlighted: list[DomainKey | None] = []

    def compose(self) -> ComposeResult:
        yield Overview(**self.options)

    def on_mount(self) -> None:
        if self.store is not None:
            self.query_one(Overview).set_snapshot(self.store.snapshot())

    def on_overview_selected(self, message: Overview.Selected) -> None:
        self.selected.append(message.key)

    def on_overview_highlighted(self, message: Overview.Highlighted) -> None:
        self.highlighted.append(message.key)


def lines(overview: Overview) -> list[str]:
    return [overview.render_line(y).text for y in range(overview.scrollable_content_region.height)]


def domain_order(overview: Overview) -> list[str]:
    """The domain names (or labels) in rendered order, skipping header, totals and blank lines."""
    names = {"play-a": "A", "play-b": "B", "Arena": "C", "play-d": "D", "play-e": "E"}
    found = []
    for text in lines(overview)[1:]:
        for needle, short in names.items():
            if needle in text:
                found.append(short)
    return found


def cursor_line(overview: Overview) -> int | None:
    cursor_bg = overview.get_component_rich_style("overview--cursor", partial=True).bgcolor
    for y in range(1, overview.scrollable_content_region.height):
        if any(seg.style and seg.style.bgcolor == cursor_bg for seg in overview.render_line(y)):
            return y
    return None


# --- Pilot tests ----------------------------------------------------------------------------------------


async def test_every_domain_is_listed_with_values_and_totals():
    clock, store = make_store()
    clock.advance(17)
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        text = lines(ov)
        assert text[0].split()[:2] == ["DOMAIN", "↓bandwidth"] and "PEAK" in text[0] and "LAST 1h" in text[0]
        assert domain_order(ov) == ["A", "B", "C", "D", "E"]
        a_line = next(t for t in text if "play-a" in t)
        assert (
            a_line.startswith("● HW play-a.example.com") and "3.00 Gbps" in a_line and "3.03 Gbps" in a_line
        )
        assert "4.00 GB" in a_line and " 15s " in a_line
        e_line = next(t for t in text if "play-e" in t)
        assert e_line.startswith("✖ JD") and "RATE_LIMIT too many" in e_line
        # The store's labels are too long for the domain column: a shorter one still says "watched".
        assert text[4].startswith("Σ HW hw-main total, 3 watched") and "4.20 Gbps" in text[4]
        assert text[7].startswith("Σ JD jd-backup total") and "1 failing" in text[7]
        assert text[8].startswith("Σ    grand total, 5 watched") and "4.70 Gbps" in text[8]
        assert ov.visible_domain_count == 5
        assert ov.selected_key == A and cursor_line(ov) == 1
        # A healthy row is four style runs: mark, text, sparkline, text (no run for an empty error cell).
        assert len(list(ov.render_line(2))) == 4


async def test_keys_move_over_domain_rows_only_and_enter_selects():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        seen = []
        for key in ("j", "down", "j", "k", "up", "G", "g", "pagedown", "pageup", "end", "home"):
            await pilot.press(key)
            seen.append(ov.selected_key)
        assert seen == [B, C, D, C, B, E, A, E, A, E, A]
        await pilot.press("j", "j", "j")  # over the hw-main total line onto D
        await pilot.pause()
        assert ov.selected_key == D and cursor_line(ov) == 5
        await pilot.press("enter")
        await pilot.pause()
        assert app.selected == [D]
        assert app.highlighted[0] == A and app.highlighted[-1] == D


async def test_sort_cycles_within_accounts_and_shows_the_top_of_the_new_order():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        ov.select_key(B)
        orders = {}
        for _ in ov.SORTS:
            mode = ov.cycle_sort()
            await pilot.pause()
            orders[mode] = domain_order(ov)
            # The top of the new order, not the row that was selected (at 1000 domains it could be anywhere).
            assert ov.selected_key.domain == f"play-{orders[mode][0].lower()}.example.com"
            assert cursor_line(ov) == 1 and ov.scroll_offset.y == 0
            ov.select_key(B)
            assert mode in lines(ov)[0]
        assert ov.sort == "bandwidth"
        assert orders == {
            "change": ["C", "A", "B", "D", "E"],  # C lost 90 %: first
            "name": ["C", "A", "B", "D", "E"],  # "Arena" sorts before "play-…"
            "vendor": ["C", "A", "B", "D", "E"],
            "errors": ["C", "A", "B", "E", "D"],  # the failing E leads its group; healthy ones by name
            "bandwidth": ["A", "B", "C", "D", "E"],
        }
        with pytest.raises(ValueError):
            ov.sort = "random"


async def test_filter_narrows_rows_and_keeps_group_totals():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        ov.filter_text = "ARENA"
        await pilot.pause()
        text = lines(ov)
        assert domain_order(ov) == ["C"] and ov.visible_domain_count == 1 and ov.selected_key == C
        assert "hw-main total, 3 watched" in text[2] and "4.20 Gbps" in text[2]  # the account's full totals
        assert "grand total" in text[3] and not any("jd-backup" in t for t in text)
        ov.filter_text = "rate_limit"
        await pilot.pause()
        assert domain_order(ov) == ["E"]
        ov.filter_text = "jd"
        await pilot.pause()
        assert domain_order(ov) == ["D", "E"]
        ov.filter_text = "nothing-like-this"
        await pilot.pause()
        assert ov.visible_domain_count == 0 and ov.selected_key is None
        assert "no domain matches" in lines(ov)[1]
        ov.filter_text = ""
        await pilot.pause()
        assert ov.visible_domain_count == 5


async def test_freeze_keeps_old_values_until_unfrozen():
    clock, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        assert ov.toggle_freeze() is True and ov.frozen
        _success(store, clock, A, [9.0e9])
        ov.set_snapshot(store.snapshot())
        await pilot.pause()
        assert "3.00 Gbps" in lines(ov)[1] and "9.00 Gbps" not in "".join(lines(ov))
        assert ov.toggle_freeze() is False
        await pilot.pause()
        assert "9.00 Gbps" in lines(ov)[1]


async def test_ascii_mode_has_no_block_glyphs_and_status_marks_follow_time():
    clock, store = make_store()
    app = OverviewApp(store, ascii_mode=True)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        text = "".join(lines(ov))
        assert not BLOCK_GLYPHS & set(text)
        assert any(line.startswith("o HW play-a") for line in lines(ov))
        assert any(line.startswith("! JD play-e") for line in lines(ov))
        ov.ascii_mode = False
        clock.advance(120)  # past stale_after_seconds: every fetched domain goes stale
        ov.set_snapshot(store.snapshot())
        await pilot.pause()
        a_line = next(t for t in lines(ov) if "play-a" in t)
        assert a_line.startswith("◐ HW") and " 2m " in a_line


async def test_from_zero_scaling_differs_for_a_flat_high_line():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        auto = lines(ov)[1]
        ov.sparkline_from_zero = True
        await pilot.pause()
        zero = lines(ov)[1]
        assert auto != zero
        spark = slice(50, 70)  # the sparkline column at 120 columns (see test_120_columns_show_everything)
        # The four buckets sit at the right of the hour they belong to; the rest of the hour has no data.
        assert set(zero[spark].strip()) == {"█"} and "▁" in auto[spark] and zero[spark].startswith(" ")


def wire_spy(app: App, partial_only: bool = False) -> list[str]:
    """What the app writes to the terminal, one string per screen update (the headless driver writes
    nothing, so the compositor's updates are rendered here exactly as the real driver would).
    `partial_only`: leave out whole-screen updates (a layout change elsewhere redraws everything)."""
    written: list[str] = []
    real = app._display
    kind = ChopsUpdate if partial_only else CompositorUpdate

    def spy(screen, renderable) -> None:
        if isinstance(renderable, kind):
            written.append(renderable.render_segments(app.console))
        real(screen, renderable)

    app._display = spy
    return written


def drawn_cells(written: list[str]) -> list[tuple[int, int, str]]:
    """(row, column, text) of every cursor move and the text written after it (styles dropped); 1-based as
    the terminal counts."""
    found = []
    for update in written:
        for row, col, text in re.findall(r"\x1b\[(\d+);(\d+)H((?:[^\x1b]|\x1b\[[0-9;]*m)*)", update):
            found.append((int(row), int(col), re.sub(r"\x1b\[[0-9;]*m", "", text).rstrip("\n")))
    return found


async def test_only_changed_cells_are_written():
    clock, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await painted(pilot)
        ov = app.query_one(Overview)
        written = wire_spy(app)
        rendered: Counter[int] = Counter()
        real_render = ov.render_line

        def spy_render(y: int):
            rendered[y] += 1
            return real_render(y)

        ov.render_line = spy_render
        ov.set_snapshot(store.snapshot())  # nothing changed: nothing repainted, nothing written
        await painted(pilot)
        assert not rendered and not written
        _success(store, clock, D, [600e6])  # one jd-backup domain changes, order unchanged
        ov.set_snapshot(store.snapshot())
        await painted(pilot)
        assert set(rendered) == {5, 7, 8}  # D, then the jd-backup total and the grand total
        now = column_span(ov._columns(ov.scrollable_content_region.width), "now")
        cells = drawn_cells(written)
        assert {row for row, _, _ in cells} == {6, 8, 9}  # terminal rows: line + 1
        # D's NOW went from 500 to 600 Mbps: its one changed digit is written, not the line before it.
        assert (6, now[0] + now[1] - 8 + 1, "6") in cells
        assert all(col > now[0] for _, col, _ in cells)  # mark, vendor, domain: untouched
        assert "600 Mbps" in lines(ov)[5]
        written.clear()
        rendered.clear()
        clock.advance(15)  # every age moves from "0s" to "15s": only those cells
        ov.set_snapshot(store.snapshot())
        await painted(pilot)
        age = column_span(ov._columns(ov.scrollable_content_region.width), "age")
        cells = drawn_cells(written)
        assert cells == [(y + 1, age[0] + age[1] - 3 + 1, "15") for y in (1, 2, 3, 5)]
        assert sum(map(len, written)) < 4 * 40  # a cursor move and a style: ~20 bytes a row, not ~290
        assert " 15s " in lines(ov)[5]


async def test_80_columns_drop_traffic_peak_and_age():
    clock, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        header = lines(ov)[0]
        assert "NOW" in header and "ERROR" in header and "LAST 1h" in header
        assert "PEAK" not in header and "TRAFFIC" not in header and "AGE" not in header
        text = lines(ov)
        assert all(" GB" not in t for t in text)
        assert "RATE_LIMIT too m" in next(t for t in text if "play-e" in t)
        assert all(len(t) == 80 for t in text)
        calls = []
        ov.refresh = lambda *args, **kwargs: calls.append(args)
        clock.advance(5)  # ages move, but no age column is shown: nothing to repaint
        ov.set_snapshot(store.snapshot())
        assert calls == []


async def test_a_thousand_domains_mount_and_scroll():
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    keys = [DomainKey(f"acct{i % 4}", f"play{i:04d}.example.com") for i in range(1000)]
    for i, key in enumerate(keys):
        store.ensure(key, "huawei" if i % 2 else "jdcloud", None)
        _success(store, clock, key, [float(1000 - i) * 1e6 + j for j in range(12)])
    app = OverviewApp(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        assert ov.visible_domain_count == 1000
        await pilot.press("G")
        await pilot.pause()
        last = DomainKey("acct3", "play0999.example.com")  # lowest bandwidth of the last account
        assert ov.selected_key == last
        text = lines(ov)
        assert "play0999" in text[-3] and "acct3 total" in text[-2] and "grand total" in text[-1]
        await pilot.press("pageup")
        await pilot.pause()
        selected = ov.selected_key
        assert selected is not None and selected.account == "acct3" and selected != last
        assert any(selected.domain in t for t in lines(ov)[1:])
        assert cursor_line(ov) is not None
        ov.filter_text = selected.domain  # one row left, scrolled to the top...
        await pilot.pause()
        assert ov.scroll_offset.y == 0 and ov.selected_key == selected
        ov.filter_text = ""  # ...and back: the view follows the cursor to where that domain sits
        await pilot.pause()
        assert ov.selected_key == selected and cursor_line(ov) is not None


def test_build_rows_without_a_snapshot_says_so():
    rows = build_rows(None, "bandwidth", "")
    assert [r.kind for r in rows] == ["note"] and "waiting" in rows[0].text


async def test_bindings_have_ids_and_remap_through_the_keymap():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        bindings = [b for b in Overview.BINDINGS if not isinstance(b, tuple)]
        assert all(b.id and b.id.startswith("overview.") and b.description for b in bindings)
        assert not {"ctrl+a", "ctrl+b", "ctrl+s", "ctrl+h", "ctrl+j", "ctrl+k", "ctrl+l"} & {
            key for b in bindings for key in b.key.split(",")
        }
        app.set_keymap({"overview.cursor_down": "n"})
        await pilot.press("n")
        assert ov.selected_key == B


async def test_the_flat_view_ranks_every_domain_across_accounts():
    _, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        ov.select_key(D)
        ov.flat = True
        await pilot.pause()
        text = lines(ov)
        # By bandwidth across both accounts: D (500 Mbps, jd-backup) ranks above C (200 Mbps, hw-main).
        assert domain_order(ov) == ["A", "B", "D", "C", "E"]
        assert not any("hw-main total" in t or "jd-backup total" in t for t in text)  # no per-account totals
        assert "grand total" in text[6]  # the grand total closes the list
        assert ov.selected_key == A and cursor_line(ov) == 1  # the top of the new order
        ov.sort = "change"
        await pilot.pause()
        assert domain_order(ov) == ["C", "A", "D", "B", "E"]  # -90 %, 0 %, +25 %, +300 %, none
        ov.sort = "vendor"
        await pilot.pause()
        assert domain_order(ov) == ["C", "A", "B", "D", "E"]  # huawei (by name), then jdcloud
        ov.flat = False
        await pilot.pause()
        assert "hw-main total" in "".join(lines(ov))


def test_the_vendor_sort_gathers_the_accounts_of_a_vendor_in_the_grouped_view():
    clock, store = make_store()
    extra = DomainKey("hw-second", "play-x.example.com")
    store.ensure(extra, "huawei", None)
    _success(store, clock, extra, [1.0e9])
    grouped = render.build_rows(store.snapshot(), "name", "")
    by_vendor = render.build_rows(store.snapshot(), "vendor", "")
    accounts = lambda rows: [r.total.account for r in rows if r.kind == "total"]  # noqa: E731
    assert accounts(grouped) == ["hw-main", "jd-backup", "hw-second"]  # config order
    assert accounts(by_vendor) == ["hw-main", "hw-second", "jd-backup"]  # huawei accounts together


def test_change_column_and_middle_cut_hostnames():
    assert [render.format_change(r) for r in (-0.9, 0.0, 0.25, 3.0, 12.0, None)] == [
        "-90%", "0%", "+25%", "+300%", ">999%", "-",
    ]
    cut = render.cut_middle("play.sports-live-final-2026.cdn.example.com", 24)
    assert cell_len(cut) == 24 and cut.endswith("cdn.example.com") and cut.startswith("play.") and "…" in cut
    assert render.cut_middle("short.example.com", 24) == "short.example.com"


async def test_the_hostname_toggle_shows_hostnames_cut_in_the_middle():
    clock, store = make_store()
    long_key = DomainKey(HW, "play.sports-live-final-2026-12-02.cdn.example.com")
    store.ensure(long_key, "huawei", "Final")
    _success(store, clock, long_key, [5.0e9])
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        assert any(t.startswith("● HW Final ") for t in lines(ov))
        ov.hostnames = True
        await pilot.pause()
        text = lines(ov)
        assert text[0].split()[0] == "HOST"
        row = next(t for t in text if "cdn.example.com" in t)
        assert "play.spo" in row and "…" in row and "Final" not in row


async def test_a_row_holding_part_of_its_window_says_filling_and_draws_only_that_part():
    clock, store = make_store()
    store.set_window(6 * 3600)  # zoomed out: nobody has the 6 h yet
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        a_line = next(t for t in lines(ov) if "play-a" in t)
        assert "filling…" in a_line
        spark = a_line[50:70]
        # 20 minutes of data in a 6 h window: two columns at the right, the rest blank - not stretched.
        assert spark[:-2].strip() == "" and " " not in spark[-2:]
        assert "filling…" in next(t for t in lines(ov) if "hw-main total" in t)
        result = FetchResult([Sample(clock.now() - timedelta(minutes=5), 3.0e9)], [])
        record = _record(clock)
        store.record_success(A, result, record, covered_from=clock.now() - timedelta(hours=6))
        ov.set_snapshot(store.snapshot())
        await pilot.pause()
        assert "filling…" not in next(t for t in lines(ov) if "play-a" in t)


def _screen_segment(app: App, needle: str, x: int):
    """The segment covering cell `x` of the screen line showing `needle`, as the terminal gets it (after the
    app's filters: NO_COLOR's monochrome)."""
    for strip in app.screen._compositor.render_strips():
        if needle in strip.text:
            pos = 0
            for segment in strip:
                if pos <= x < pos + cell_len(segment.text):
                    return segment
                pos += cell_len(segment.text)
    raise AssertionError(f"no line shows {needle!r}")


def _looks(style, system: ColorSystem) -> tuple:
    """What a terminal shows for `style` in a colour system: the colours as downgraded, bold, dim (Textual
    turns dim into a blended colour, except on ANSI colours where it writes SGR 2)."""
    colours = [c.downgrade(system) if c is not None else None for c in (style.color, style.bgcolor)]
    return (*[(c.number, c.triplet) if c is not None else None for c in colours], bool(style.bold), bool(style.dim))


@pytest.mark.parametrize("no_color", [False, True])
async def test_now_is_drawn_provisional_while_the_vendor_still_fills_its_bucket(monkeypatch, no_color):
    """NOW is the newest bucket as it stands; PEAK counts settled buckets only. A NOW from a bucket the vendor
    may still change is drawn in the provisional style (muted, like the sparkline's last bars), so "9.59 Gbps"
    beside a PEAK of "3.26 Gbps" does not read as a settled figure: in colour and under NO_COLOR, in the
    truecolor, 256 and 16 colour systems, and on the cursor's row."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    clock = ManualClock(T0)
    store = Store(clock, window_seconds=3600, stale_after_seconds=60)
    store.ensure(A, "huawei", None, settle_seconds=900)  # its newest buckets are still being filled
    store.ensure(B, "huawei", None)  # no settle delay: every bucket is final once over
    store.ensure(D, "jdcloud", None)
    _success(store, clock, A, [1.0e9, 1.2e9, 9.59e9])
    _success(store, clock, B, [300e6, 310e6, 320e6])
    _success(store, clock, D, [400e6, 450e6, 500e6])
    snap = store.snapshot()
    assert snap.by_key[A].now_provisional and not snap.by_key[B].now_provisional
    app = OverviewApp(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        ov = app.query_one(Overview)
        assert app.no_color == no_color
        now_x = column_span(ov._columns(ov.scrollable_content_region.width), "now")[0] + 1
        name_x = column_span(ov._columns(ov.scrollable_content_region.width), "domain")[0]
        systems = (ColorSystem.TRUECOLOR, ColorSystem.EIGHT_BIT, ColorSystem.STANDARD)

        ov.select_key(D)
        await pilot.pause()
        provisional, settled = _screen_segment(app, "play-a", now_x), _screen_segment(app, "play-b", now_x)
        assert "9.59 Gbps" in provisional.text and "320 Mbps" in settled.text
        hw_total = _screen_segment(app, "hw-main total", now_x)  # a sum holding a provisional bucket
        jd_total = _screen_segment(app, "jd-backup total", now_x)
        assert "9.91 Gbps" in hw_total.text and "500 Mbps" in jd_total.text
        for system in systems:
            assert _looks(provisional.style, system) != _looks(settled.style, system), system
            assert _looks(hw_total.style, system) != _looks(jd_total.style, system), system

        ov.select_key(A)  # under the cursor's colours it stays marked
        await pilot.pause()
        provisional, name = _screen_segment(app, "play-a", now_x), _screen_segment(app, "play-a", name_x)
        assert "9.59 Gbps" in provisional.text and "play-a" in name.text
        for system in systems:
            assert _looks(provisional.style, system) != _looks(name.style, system), system


async def test_the_help_names_the_alert_flag_and_the_provisional_now():
    from livetop.ui.screens.help import FOOTNOTE

    assert "⚑ alert firing" in FOOTNOTE and "NOW" in FOOTNOTE and "provisional" in FOOTNOTE


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_alert_flag_replaces_the_mark_in_its_level_style(monkeypatch, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    clock, store = make_store()
    app = OverviewApp(store)
    async with app.run_test(size=(80, 20)) as pilot:
        await painted(pilot)
        ov = app.query_one(Overview)
        ov.select_key(A)
        written = wire_spy(app)
        ov.alert_levels = {B: "warning", E: "critical"}  # E is failing: the flag wins, its error stays
        await painted(pilot)
        text = lines(ov)
        b_line = next(t for t in text if "play-b" in t)
        e_line = next(t for t in text if "play-e" in t)
        assert b_line.startswith("⚑ HW") and e_line.startswith("⚑ JD") and "RATE_LIMIT" in e_line
        assert next(t for t in text if "play-a" in t).startswith("● HW")
        # Only the two marks were written: one cell each.
        assert sorted((col, cell) for _, col, cell in drawn_cells(written)) == [(1, "⚑"), (1, "⚑")]
        warning = _screen_segment(app, "play-b", 0).style
        critical = _screen_segment(app, "play-e", 0).style
        body = _screen_segment(app, "play-b", 3).style
        assert warning.bold and critical.bold
        assert len({warning.color, critical.color, body.color}) == 3 or no_color
        if no_color:  # greys only: the critical flag stands out reversed, as failing text does
            assert critical.reverse and not warning.reverse
        ov.ascii_mode = True
        await pilot.pause()
        assert next(t for t in lines(ov) if "play-b" in t).startswith("* HW")
        ov.alert_levels = {}
        await pilot.pause()
        assert next(t for t in lines(ov) if "play-b" in t).startswith("o HW")


async def test_a_layout_elsewhere_on_the_screen_writes_nothing_in_the_overview():
    """Every layout of the screen (an error panel's text changing, a toast) told the overview its visible
    size as its `virtual_size`, which never equals its rows, and the whole scrollbar was written again."""

    class WithNote(OverviewApp):
        def compose(self) -> ComposeResult:
            yield Static("note", id="note")
            yield Overview(**self.options)

    clock, store = make_store()
    app = WithNote(store)
    async with app.run_test(size=(120, 6)) as pilot:  # 5 domain rows and 3 totals: the overview scrolls
        await painted(pilot)
        ov = app.query_one(Overview)
        assert ov.show_vertical_scrollbar
        written = wire_spy(app)
        for text in ("note 1", "note 2", "note 3"):
            app.query_one("#note", Static).update(text)  # a layout refresh; nothing moves
            await painted(pilot)
        assert written, "the note's own cells are written"
        overview_rows = range(ov.region.y + 1, ov.region.bottom + 1)
        assert [cell for cell in drawn_cells(written) if cell[0] in overview_rows] == []
