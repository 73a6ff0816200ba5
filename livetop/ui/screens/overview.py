"""The overview screen: status line, the Overview widget, the `/` filter, the error panel and the footer.

It takes a store snapshot only when something it shows can change and it is on top: a frozen view or a screen
behind the drilldown or the help costs nothing until it is seen again.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Input

from livetop.config.schema import Config, UiConfig
from livetop.engine.store import DomainKey, Store, StoreSnapshot
from livetop.ui.error_groups import error_kinds, group_errors
from livetop.ui.feed import TimeChangeCache, next_time_change
from livetop.ui.widgets.error_panel import ErrorPanel
from livetop.ui.widgets.filter_input import FilterBar, FilterInput
from livetop.ui.widgets.overview import Overview
from livetop.ui.widgets.status_bar import StatusBar, StatusState, count_statuses, over_capacity, poll_intervals


def alerts_stale(alerts) -> bool:
    """A viewer's alerts (livetop.remote.alerts) that the collector sent once but cannot confirm now: it is
    unreachable. A local AlertService is always current; a collector that never sent any, or has no rules,
    shows no count."""
    if alerts is None or not getattr(alerts, "remote", False):
        return False
    return alerts.received is not None and bool(alerts.rule_count) and not alerts.current


class OverviewScreen(Screen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "filter",
            "Filter",
            id="overview.filter",
            key_display="/",
            tooltip="Filter the domains by part of a name, label, account, vendor or error code",
            # Priority: handled as the app reads the key, so focus is on the filter line before the keys typed
            # right behind `/` are handed out (else they reach the overview, and `s` or `e` act there).
            priority=True,
        ),
        Binding(
            "s",
            "sort",
            "Sort",
            id="overview.sort",
            tooltip="Cycle the sort: bandwidth, change (biggest drop first), name, vendor, errors",
        ),
        Binding(
            "v",
            "flat",
            "Flat/grouped",
            id="overview.flat",
            show=False,
            tooltip="Toggle the view: grouped by account (totals per account) or flat (every domain ranked "
            "across all accounts by the sort, like top)",
        ),
        Binding(
            "h",
            "hostnames",
            "Hostnames",
            id="overview.hostnames",
            show=False,
            tooltip="Toggle the DOMAIN column: labels or hostnames (long hostnames are cut in the middle, "
            "keeping the end where they differ)",
        ),
        Binding(
            "f",
            "freeze",
            "Freeze",
            id="overview.freeze",
            tooltip="Freeze or unfreeze the view (polling goes on; unfreezing shows the newest data)",
        ),
        Binding(
            "e",
            "errors",
            "Errors",
            id="overview.errors",
            tooltip="Show or hide the error panel: every decoded error, what it means and what to do. It opens "
            "by itself when a new kind of error appears, until you hide it: after that only e opens it",
        ),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            id="overview.clear_filter",
            show=False,
            tooltip="Clear the filter",
        ),
    ]

    def __init__(
        self,
        store: Store,
        ui: UiConfig,
        *,
        refresh_seconds: float,
        insecure_accounts: tuple[str, ...] = (),
    ) -> None:
        super().__init__(id="overview-screen")
        self.store = store
        self.ui = ui
        self.refresh_seconds = refresh_seconds
        self.insecure_accounts = insecure_accounts
        self.auto_open_errors = ui.error_panel_auto_open
        self._dirty = True
        self._user_hid_errors = False  # the user closed the panel: it never opens by itself again
        self._seen_error_kinds: frozenset[tuple[str, ...]] = frozenset()
        self._snap: StoreSnapshot | None = None
        self._time_change: datetime | None = None  # when the clock alone next changes the snapshot
        self._time_changes = TimeChangeCache()  # each domain's part of it, per snapshot object
        self.source_status: tuple[str, str] = ("", "dim")  # a collector's address or trouble (--remote)
        self.source_shorter: tuple[str, ...] = ()  # the same in fewer cells, for a narrow status line
        # (text, role): what the overview says while it has no domain to show; None: "no domains watched".
        self.empty_note: tuple[str, str] | None = None
        self.domains_known = True  # False: a viewer whose collector has not said which domains it watches
        self.source_live = True  # False: a viewer whose collector is out of reach (its figures are its last)
        # Set once the widgets exist: with a thousand domains on a busy machine the app's first tick (or feed
        # delivery) can come before this screen has composed, and asking for its Overview then raised.
        self._ready = False

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield FilterBar(id="filter-bar")
        yield Overview(
            id="overview",
            ascii_mode=self.ui.ascii_sparklines,
            sparkline_from_zero=self.ui.sparkline_from_zero,
            sort=self.ui.sort,  # checked by the config loader
            insecure_accounts=frozenset(self.insecure_accounts),
        )
        yield ErrorPanel(id="errors", classes="-hidden")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def overview(self) -> Overview:
        return self.query_one(Overview)

    @property
    def error_panel(self) -> ErrorPanel:
        return self.query_one(ErrorPanel)

    @property
    def status_bar(self) -> StatusBar:
        return self.query_one(StatusBar)

    def on_mount(self) -> None:
        self._ready = True
        # Enter pushes the drilldown in its binding, so keys typed right behind it (Esc, j) reach the drilldown.
        self.overview.open_domain = getattr(self.app, "open_drilldown", None)
        self.overview.focus()
        self.overview.empty_note = self.empty_note
        self.refresh_view()

    def apply_config(self, config: Config, refresh_seconds: float) -> None:
        """A reloaded config: refresh interval, TLS warnings and [ui] display settings."""
        self.ui = config.ui
        self.refresh_seconds = refresh_seconds
        self.insecure_accounts = tuple(a.name for a in config.accounts if not a.verify_tls)
        self.auto_open_errors = config.ui.error_panel_auto_open
        ov = self.overview
        ov.insecure_accounts = frozenset(self.insecure_accounts)
        ov.ascii_mode = config.ui.ascii_sparklines
        ov.sparkline_from_zero = config.ui.sparkline_from_zero
        self.update_status()

    # --- data in ----------------------------------------------------------------------------------------

    def use_source(self, store) -> None:
        """Read another source from now on: the engine's store, or the long view of the 7d/30d zooms (which
        reads like it). The status line says the new window at once."""
        self.store = store
        if self._ready:
            if self.is_current and not self.overview.frozen:
                self.refresh_view()
            else:
                self._dirty = True
                self.update_status()

    def store_changed(self, keys: frozenset[DomainKey] | None = None) -> None:
        """Called by the app with the coalesced changed keys (None: time moved on, ages may change)."""
        if not self._ready:
            return  # on_mount draws the store as it is then
        if not self.is_current or self.overview.frozen:
            if keys:
                self._dirty = True
            return
        self.refresh_view()

    def clock_tick(self) -> None:
        """The app's 1 s tick. With the store unchanged and no status or window edge due, only the ages move:
        no snapshot, no sorting, no counting (a full refresh costs ~3 % of a core at 1000 domains)."""
        if not self._ready or not self.is_current or self.overview.frozen:
            return
        snap = self._snap
        now = self.store.clock.now()
        if (
            snap is not None
            and snap.version == self.store.version
            and (self._time_change is None or now < self._time_change)
        ):
            self.overview.advance_clock(now)
            return
        self.refresh_view()

    def on_screen_resume(self) -> None:
        if self._dirty and not self.overview.frozen:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Show a fresh snapshot: rows, status line, error panel (if open) and the auto-open check."""
        self._dirty = False
        snap = self.store.snapshot()
        self._snap = snap
        self._time_change = next_time_change(snap, self.store.stale_after_for, self._time_changes)
        self.overview.set_snapshot(snap)
        kinds = error_kinds(snap)
        new_kinds = kinds - self._seen_error_kinds
        self._seen_error_kinds |= kinds
        if new_kinds and self.auto_open_errors and not self._user_hid_errors and not self.error_panel_open:
            self.set_error_panel(True)
        elif self.error_panel_open:
            self.error_panel.show(group_errors(snap))
        self.update_status()

    def update_status(self) -> None:
        snap = self.overview.snapshot
        ov = self.overview
        alerts = getattr(self.app, "alerts", None)
        firing = alerts.evaluator.firing if alerts is not None else ()
        levels: dict[DomainKey, str] = {}
        stale = alerts_stale(alerts)
        for alert in () if stale else firing:  # critical first (the evaluator's order): a domain's worst level
            levels.setdefault(alert.key, alert.level)
        # A collector out of reach: its flags are not current, and ⚑ would hide the rows' stale mark (◐).
        ov.alert_levels = levels
        self.status_bar.show(
            StatusState(
                window_seconds=snap.window_seconds if snap else self.store.window_seconds,
                refresh_seconds=self.refresh_seconds,
                sort=ov.sort,
                filter_text=ov.filter_text,
                frozen=ov.frozen,
                total=len(snap.domains) if snap else 0,
                shown=ov.visible_domain_count,
                counts=count_statuses(snap),
                insecure_accounts=self.insecure_accounts,
                filling=bool(snap and any(d.filling for d in snap.domains)),
                flat=ov.flat,
                source=self.source_status,
                source_shorter=self.source_shorter,
                domains_known=self.domains_known,
                live=self.source_live,
                alerts=len(firing),
                alerts_critical=sum(a.level == "critical" for a in firing),
                alerts_stale=stale,
                over_capacity=over_capacity(snap),
                polled_seconds=poll_intervals(self.store.capacities()),
            )
        )

    def show_source(
        self,
        text: str,
        role: str,
        refresh_seconds: float,
        *,
        shorter: tuple[str, ...] = (),
        note: tuple[str, str] | None = None,
        domains_known: bool = True,
        live: bool = True,
    ) -> None:
        """Where the data comes from (a collector, or the long zoom's history), said on the status line (in
        `shorter` forms on a narrow one); `note`: what the overview says while it has no domain to show (a
        viewer waiting for its collector, or told it is unreachable). Redrawn only when something changes."""
        said = ((text, role), shorter, domains_known, live)
        held = (self.source_status, self.source_shorter, self.domains_known, self.source_live)
        if said != held or refresh_seconds != self.refresh_seconds:
            self.source_status, self.source_shorter, self.domains_known, self.source_live = said
            self.refresh_seconds = refresh_seconds
            if self._ready:
                self.update_status()
        if note != self.empty_note:
            self.empty_note = note
            if self._ready:
                self.overview.empty_note = note

    # --- the error panel ----------------------------------------------------------------------------

    @property
    def error_panel_open(self) -> bool:
        return not self.error_panel.has_class("-hidden")

    def set_error_panel(self, open_: bool) -> None:
        panel = self.error_panel
        if open_:
            panel.show(group_errors(self.overview.snapshot))
        panel.set_class(not open_, "-hidden")

    # --- actions ----------------------------------------------------------------------------------------

    def current_domain(self) -> DomainKey | None:
        return self.overview.selected_key

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.return_focus = self.overview
        bar.open(bar.text_to_reopen(self.overview.filter_text))

    def on_input_changed(self, event: Input.Changed) -> None:
        if isinstance(event.input, FilterInput) and self.query_one(FilterBar).is_open:
            self.overview.filter_text = event.value.strip()
            self.update_status()

    def on_filter_input_closed(self, event: FilterInput.Closed) -> None:
        bar = self.query_one(FilterBar)
        if event.opening != bar.opening:  # `/` came again before this arrived: the newer line owns the filter
            return
        bar.close(kept=not bar.cancelled)
        self.overview.filter_text = event.text
        self.overview.focus()
        self.update_status()

    def action_clear_filter(self) -> None:
        if self.overview.filter_text:
            self.overview.filter_text = ""
            self.update_status()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return bool(self.overview.filter_text)
        if action == "filter":  # while the line is open, `/` is a character of the filter
            return not self.query_one(FilterBar).is_open
        return True

    def action_sort(self) -> None:
        self.overview.cycle_sort()
        self.update_status()

    def action_flat(self) -> None:
        ov = self.overview
        ov.flat = not ov.flat
        self.update_status()
        self.notify(
            "flat: every domain ranked across all accounts" if ov.flat else "grouped by account",
            timeout=2,
            markup=False,
        )

    def action_hostnames(self) -> None:
        ov = self.overview
        ov.hostnames = not ov.hostnames
        self.notify("showing hostnames" if ov.hostnames else "showing labels", timeout=2, markup=False)

    def action_freeze(self) -> None:
        frozen = self.overview.toggle_freeze()
        if not frozen:
            self.refresh_view()
        else:
            self.update_status()

    def action_errors(self) -> None:
        opening = not self.error_panel_open
        if not opening:
            self._user_hid_errors = True
        self.set_error_panel(opening)
