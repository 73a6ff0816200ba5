"""The overview: one line per play domain, grouped by account, as ONE virtualised line widget.

Built on ScrollView + render_line (DESIGN.md "The screen": ~1 % CPU at 1000 domains where a widget per domain
costs 39 %). Only visible lines are rendered; a new snapshot repaints only the lines whose cells change (the
painting and its caches are in `overview_paint`). This half holds the state: rows, sort, filter, freeze,
cursor and keys.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message

from livetop.engine.store import DomainKey, StoreSnapshot
from livetop.ui.partial_writes import use_partial_writes
from livetop.ui.sorts import SORTS, check_sort, next_sort
from livetop.ui.widgets import overview_render as render
from livetop.ui.widgets.overview_paint import ROLES, OverviewPainter
from livetop.ui.widgets.overview_render import Row
from livetop.ui.widgets.overview_rows import RowModel

_AGE_STEP = timedelta(seconds=1)  # ages are recomputed at most once per second of snapshot time
_NOTE_ROLES = {"dim": "dim", "warning": "stale", "error": "error"}  # a status role -> the overview's colour


class _DomainMessage(Message):
    def __init__(self, overview: Overview, key: DomainKey | None) -> None:
        super().__init__()
        self.overview = overview
        self.key = key

    @property
    def control(self) -> Overview:
        return self.overview


class Overview(OverviewPainter, can_focus=True):
    """Every watched play domain on one screen: status, vendor, bandwidth now, sparkline, peak, traffic, age,
    short decoded error; account totals and a grand total (sums over the watched domains).

    Sort modes (`cycle_sort`): "bandwidth" (now, highest first); "change" (the Δ column: the newest settled
    bucket against the settled bucket three before, biggest drop first: an audience falling off a cliff is
    what live ops must see first); "name"; "vendor" (vendor, account, name; grouped, it also gathers the
    accounts of one vendor); "errors" (failing domains first, grouped by error code, then stale, loading,
    paused, healthy). Grouped (default): sorting is within each account, accounts keep config order (vendor
    sort: by vendor), totals close each group. Flat (`flat = True`): every domain ranked across accounts.
    The grand total is last either way. A change of sort or view shows the top of the new order.
    """

    SORTS: tuple[str, ...] = SORTS

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"overview--{role}" for role in ROLES}

    DEFAULT_CSS = """
    Overview {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        & > .overview--header { color: $foreground-muted; text-style: bold; }
        & > .overview--ok { color: $success; }
        & > .overview--stale { color: $warning; }
        & > .overview--error { color: $error; }
        & > .overview--dim { color: $foreground-muted; }
        & > .overview--total { text-style: bold; }
        & > .overview--spark { color: $accent; }
        & > .overview--prov { color: $foreground-muted; text-style: dim; }
        & > .overview--alert { color: $warning; text-style: bold; }
        & > .overview--critical { color: $error; text-style: bold; }
        & > .overview--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .overview--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", id="overview.cursor_down", show=False),
        Binding("up,k", "cursor_up", "Up", id="overview.cursor_up", show=False),
        Binding("pagedown", "cursor_page_down", "Page down", id="overview.page_down", show=False),
        Binding("pageup", "cursor_page_up", "Page up", id="overview.page_up", show=False),
        Binding("g,home", "cursor_first", "First domain", id="overview.first", show=False),
        Binding("G,shift+g,end", "cursor_last", "Last domain", id="overview.last", show=False),
        Binding(
            "enter",
            "select_domain",
            "Open",
            id="overview.select",
            tooltip="Open the selected domain: charts, billing figures, errors, last requests",
        ),
    ]

    class Selected(_DomainMessage):
        """Enter (or a double click) on a domain row; `key` is that domain."""

    class Highlighted(_DomainMessage):
        """The cursor is now on another domain; `key` is None when no domain is shown."""

    def __init__(
        self,
        *,
        ascii_mode: bool = False,
        sparkline_from_zero: bool = False,
        sort: str = "bandwidth",
        insecure_accounts: frozenset[str] = frozenset(),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        # Opens a domain at once (Enter, double click); None: a Selected message says which one instead.
        self.open_domain: Callable[[DomainKey], None] | None = None
        self._sort = check_sort(sort)
        self._ascii_mode = ascii_mode
        self._from_zero = sparkline_from_zero
        self._insecure = frozenset(insecure_accounts)  # accounts with verify_tls = false: said on their total
        self._filter_text = ""
        self._frozen = False
        self._flat = False  # every domain ranked across accounts instead of grouped by account
        self._hostnames = False  # the DOMAIN column shows hostnames instead of labels
        self._snap: StoreSnapshot | None = None  # what is displayed
        self._pending: StoreSnapshot | None = None  # the newest snapshot received while frozen
        self._pending_alerts: dict[DomainKey, str] | None = None  # the newest alert marks while frozen
        self._age_now: datetime | None = None
        self._model = RowModel()  # the rows, kept up to date per delivery (only the domains that changed)
        self._rows: list[Row] = self._model.rows
        self._domain_rows: list[int] = []  # row index of each domain row, in display order
        self._domain_pos: dict[DomainKey, int] = {}  # key -> index into _domain_rows
        self._selected: DomainKey | None = None
        self._cursor_pos = 0

    # --- public interface -------------------------------------------------------------------------------

    def set_snapshot(self, snap: StoreSnapshot) -> None:
        """Show a new snapshot (or keep it for later while frozen). Cheap: repaints only changed lines.

        The app should call this at least every second or two even when nothing was fetched, so ages and
        stale marks move; lines whose text does not change are not redrawn."""
        if self._frozen:
            self._pending = snap
            return
        self._apply(snap)

    def advance_clock(self, now: datetime) -> None:
        """Time moved on but the data did not: repaint just the ages that changed (no re-sort)."""
        if self._frozen or self._snap is None:
            return
        if self._age_now is None or now < self._age_now or now - self._age_now >= _AGE_STEP:
            self._age_now = now
            self._refresh_changed()

    @property
    def selected_key(self) -> DomainKey | None:
        return self._selected

    def select_key(self, key: DomainKey) -> None:
        """Move the cursor to `key` if it is shown (scrolling to it); otherwise do nothing."""
        pos = self._domain_pos.get(key)
        if pos is not None:
            self._move_to(pos)

    @property
    def filter_text(self) -> str:
        return self._filter_text

    @filter_text.setter
    def filter_text(self, text: str) -> None:
        if text != self._filter_text:
            self._filter_text = text
            self._rebuild(follow=True)

    @property
    def sort(self) -> str:
        return self._sort

    @sort.setter
    def sort(self, mode: str) -> None:
        if check_sort(mode) != self._sort:
            self._sort = mode
            self._show_top()

    def _show_top(self) -> None:
        """A new order: show its top (at a thousand domains the biggest drops would otherwise be off screen)."""
        self._selected = None
        self._cursor_pos = 0
        self._rebuild(follow=False)
        if self.is_mounted:
            self.scroll_to(y=0, animate=False, force=True)

    @property
    def flat(self) -> bool:
        return self._flat

    @flat.setter
    def flat(self, value: bool) -> None:
        if value != self._flat:
            self._flat = value
            self._show_top()

    @property
    def hostnames(self) -> bool:
        return self._hostnames

    @hostnames.setter
    def hostnames(self, value: bool) -> None:
        if value != self._hostnames:
            self._hostnames = value
            self._restyle()

    def cycle_sort(self) -> str:
        """Next sort mode; returns it."""
        self.sort = next_sort(self._sort)
        return self._sort

    @property
    def frozen(self) -> bool:
        return self._frozen

    def toggle_freeze(self) -> bool:
        """Freeze or unfreeze the display; unfreezing shows the newest snapshot. Returns the new state."""
        self._frozen = not self._frozen
        if not self._frozen and self._pending_alerts is not None:
            self._alerting, self._pending_alerts = self._pending_alerts, None
            self._refresh_changed()
        if not self._frozen and self._pending is not None:
            snap, self._pending = self._pending, None
            self._apply(snap)
        return self._frozen

    @property
    def ascii_mode(self) -> bool:
        return self._ascii_mode

    @ascii_mode.setter
    def ascii_mode(self, value: bool) -> None:
        if value != self._ascii_mode:
            self._ascii_mode = value
            self._restyle()

    @property
    def sparkline_from_zero(self) -> bool:
        return self._from_zero

    @sparkline_from_zero.setter
    def sparkline_from_zero(self, value: bool) -> None:
        if value != self._from_zero:
            self._from_zero = value
            self._restyle()

    @property
    def insecure_accounts(self) -> frozenset[str]:
        return self._insecure

    @insecure_accounts.setter
    def insecure_accounts(self, accounts: frozenset[str]) -> None:
        if accounts != self._insecure:
            self._insecure = frozenset(accounts)
            self._restyle()

    @property
    def empty_note(self) -> tuple[str, str] | None:
        return self._model.empty_note

    @empty_note.setter
    def empty_note(self, note: tuple[str, str] | None) -> None:
        """(text, role) of the line shown while there is no domain at all ("waiting for the collector…"; role
        "dim", "warning" or "error"); None: the default ("no domains watched")."""
        if note is not None:
            note = (note[0], _NOTE_ROLES.get(note[1], "dim"))
        if note != self._model.empty_note:
            self._model.empty_note = note
            if not self._domain_rows:  # a note is on screen: say the new one
                self._rebuild(follow=False)

    @property
    def alert_keys(self) -> frozenset[DomainKey]:
        """Domains with a firing alert (their rows carry ⚑)."""
        return frozenset(self._alerting)

    @property
    def alert_levels(self) -> Mapping[DomainKey, str]:
        return self._alerting

    @alert_levels.setter
    def alert_levels(self, levels: Mapping[DomainKey, str]) -> None:
        """Domain -> level ("warning" / "critical") of its firing alerts: the row's mark becomes ⚑ in that
        level's colour. Only the marks that change are repainted."""
        levels = dict(levels)
        if self._frozen:  # a frozen view keeps its marks with its figures; unfreezing shows the newest
            self._pending_alerts = levels
        elif levels != self._alerting:
            self._alerting = levels
            self._refresh_changed()

    @property
    def visible_domain_count(self) -> int:
        """Domain rows matching the filter (whether scrolled into view or not)."""
        return len(self._domain_rows)

    @property
    def snapshot(self) -> StoreSnapshot | None:
        """The snapshot on display (while frozen: the frozen one)."""
        return self._snap

    # --- state ------------------------------------------------------------------------------------------

    def _apply(self, snap: StoreSnapshot) -> None:
        self._snap = snap
        now = snap.taken_at
        if self._age_now is None or now < self._age_now or now - self._age_now >= _AGE_STEP:
            self._age_now = now
        self._rebuild(follow=self._cursor_visible())

    def _rebuild(self, follow: bool) -> None:
        """Re-sort and re-filter; keep the cursor on the same domain (or the same position if it left)."""
        model = self._model
        model.update(self._snap, self._sort, self._filter_text, self._flat)  # only what changed
        self._rows, self._domain_rows, self._domain_pos = model.rows, model.domain_lines, model.domain_pos
        previous = self._selected
        fallback = max(0, min(self._cursor_pos, len(self._domain_rows) - 1))
        self._cursor_pos = self._domain_pos.get(previous, fallback) if previous else fallback
        self._selected = self._key_at(self._cursor_pos)
        if len(self._strips) > 2 * len(self._rows) + 16:  # drop strips of rows that went away
            idents = {row.ident for row in self._rows}
            self._strips = {k: v for k, v in self._strips.items() if k in idents}
        self.virtual_size = Size(0, len(self._rows) + 1)
        if self._selected != previous:
            self.post_message(self.Highlighted(self, self._selected))
        if follow:
            self._scroll_to_cursor()
        self._refresh_changed()

    def _key_at(self, pos: int) -> DomainKey | None:
        if not self._domain_rows:
            return None
        return self._rows[self._domain_rows[pos]].ident  # type: ignore[return-value]

    def _restyle(self) -> None:
        self._gen += 1
        self._palette = None
        self.refresh()

    def notify_style_update(self) -> None:
        # Theme switch, focus change (cursor colour) or CSS reload: every cached strip has stale colours.
        self._gen += 1
        self._palette = None
        super().notify_style_update()

    # --- cursor and keys --------------------------------------------------------------------------------

    def _move_to(self, pos: int) -> None:
        if not self._domain_rows:
            return
        pos = max(0, min(pos, len(self._domain_rows) - 1))
        previous = self._selected
        self._cursor_pos = pos
        self._selected = self._key_at(pos)
        if self._selected != previous:
            self.post_message(self.Highlighted(self, self._selected))
        self._scroll_to_cursor()
        self._refresh_changed()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def action_cursor_down(self) -> None:
        self._move_to(self._cursor_pos + 1)

    def action_cursor_up(self) -> None:
        self._move_to(self._cursor_pos - 1)

    def action_cursor_page_down(self) -> None:
        if self._domain_rows:
            target = self._domain_rows[self._cursor_pos] + self._page()
            self._move_to(bisect_left(self._domain_rows, target))

    def action_cursor_page_up(self) -> None:
        if self._domain_rows:
            target = self._domain_rows[self._cursor_pos] - self._page()
            self._move_to(bisect_right(self._domain_rows, target) - 1)

    def action_cursor_first(self) -> None:
        self._move_to(0)

    def action_cursor_last(self) -> None:
        self._move_to(len(self._domain_rows) - 1)

    def action_select_domain(self) -> None:
        if self._selected is None:
            return
        if self.open_domain is not None:
            # Opened in the binding itself: the keys typed right behind Enter (Esc, j) find the drilldown open.
            # A Selected message would arrive after them, and they would act on the rows first.
            self.open_domain(self._selected)
        else:
            self.post_message(self.Selected(self, self._selected))

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y - 1
        if event.y >= 1 and 0 <= row < len(self._rows) and self._rows[row].kind == "domain":
            self._move_to(self._domain_pos[self._rows[row].ident])  # type: ignore[index]
            if event.chain == 2:
                self.action_select_domain()

    def _cursor_visible(self) -> bool:
        if self._selected is None or not self._domain_rows:
            return False
        row = self._domain_rows[self._cursor_pos]
        top = self.scroll_offset.y
        return top <= row < top + max(1, self.scrollable_content_region.height - 1)

    def _scroll_to_cursor(self) -> None:
        if self._domain_rows and self.is_mounted:
            lines = max(1, self.scrollable_content_region.height - 1)  # minus the header
            target = render.scroll_target(
                self._rows, self._domain_rows[self._cursor_pos], self.scroll_offset.y, lines
            )
            if target is not None:
                self.scroll_to(y=target, animate=False, force=True)  # scrollbars may lag a new size

    def on_mount(self) -> None:
        use_partial_writes(self.screen)  # a changed cell costs its own bytes, not the line up to it

    def on_resize(self, event: events.Resize) -> None:
        self._scroll_to_cursor()
