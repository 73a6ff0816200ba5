"""The livetop Textual app: wires the engine's store to the screens, themes, keymap and the terminal watch.

The engine runs on the app's event loop (it is asyncio); the screens receive immutable snapshots. Store change
notifications are coalesced by a SnapshotFeed, so a thousand domains updating mean a few repaints a second at
most, and only the screen on top does any work.
"""

from __future__ import annotations

import queue
from dataclasses import replace
from typing import ClassVar

from textual.binding import BindingType
from textual.css.query import NoMatches
from textual.screen import Screen

from livetop.alerts.running import AlertService
from livetop.clock import SYSTEM_CLOCK, Clock
from livetop.config.schema import Config, empty_accounts
from livetop.engine import Engine
from livetop.engine.store import DomainKey
from livetop.engine.watch import ConfigWatcher
from livetop.model import format_window
from livetop.ui import bindings as keys
from livetop.ui.feed import SnapshotFeed
from livetop.ui.long_zoom import NO_HISTORY, LongZoom
from livetop.ui.screens.alerts import AlertsScreen, alert_toasts, hook_toast
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.screens.help import HelpScreen
from livetop.ui.screens.overview import OverviewScreen
from livetop.ui.terminal import EXIT_HANGUP, EXIT_TERMINATED, TerminalWatch
from livetop.ui.app_keys import APP_BINDINGS, KeyCatalogue
from livetop.ui.theme_switch import ThemeSwitch
from livetop.ui.themes import ThemeSet
from livetop.ui.widgets.overview import Overview
from livetop.vendors.registry import account_api

ZOOM_WINDOWS = (3600, 3 * 3600, 6 * 3600, 24 * 3600, 7 * 86400, 30 * 86400)  # 7d, 30d: from the history
LIVE_ZOOM_MAX = 24 * 3600  # longer windows need the history file (livetop.history.longview)
TICK_SECONDS = 1.0  # ages and stale marks move with time, not only with data
WATCH_SECONDS = 2.0


def zoom(current: int, direction: int) -> int:
    """The next window in ZOOM_WINDOWS (direction -1: shorter, +1: longer); a window outside the list snaps to
    its neighbour in that direction."""
    if direction < 0:
        shorter = [w for w in ZOOM_WINDOWS if w < current]
        return shorter[-1] if shorter else current
    longer = [w for w in ZOOM_WINDOWS if w > current]
    return longer[0] if longer else current


class LivetopApp(ThemeSwitch, KeyCatalogue):
    CSS_PATH = "app.tcss"
    TITLE = "livetop"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = APP_BINDINGS


    def __init__(
        self,
        config: Config,
        engine: Engine | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
        persist_theme: bool = True,
        themes: ThemeSet | None = None,
        tick_seconds: float = TICK_SECONDS,
        feed_interval: float = 0.25,
        watch_terminal: bool = True,
        watch_config: bool = True,
        history=None,
    ) -> None:
        super().__init__()
        self.config = config
        # The data source: the local engine, or a collector's feed (livetop.remote.source.RemoteSource), which
        # offers the same store and actions plus a status for the status line and messages for the user.
        self.engine = engine or Engine(config, clock, stagger=False)
        self.store = self.engine.store
        if hasattr(self.engine, "on_message"):
            self.engine.on_message = self._source_message
        self.persist_theme = persist_theme and config.path is not None
        self._themes = themes
        self.tick_seconds = tick_seconds
        self.feed = SnapshotFeed(self.store, self._deliver, min_interval=feed_interval)
        self.watch_terminal = watch_terminal
        self.terminal_watch = TerminalWatch(self._terminal_gone, self._stop_requested)
        self.config_watcher: ConfigWatcher | None = None
        if watch_config and config.path is not None:
            self.config_watcher = ConfigWatcher(
                self.engine, config.path, on_applied=self._config_applied, on_error=self._config_problem
            )
        self.theme_names: list[str] = []
        self._mounted_once = False
        self.saved_themes: list[str] = []  # themes written to the config (tests read it)
        # A remote viewer shows the collector's data; the collector runs the rules (and their hooks) once.
        self._local_alerts = isinstance(self.engine, Engine)
        # A viewer shows the collector's alerts (livetop.remote.alerts): its own config's rules do not run here.
        remote_alerts = getattr(self.engine, "alerts", None)
        self.alerts = remote_alerts if not self._local_alerts and remote_alerts is not None else AlertService(
            self._alert_config(config), self.engine
        )
        self.alerts.listeners.append(self._alerts_changed)
        self.alerts.hooks.listeners.append(self._hook_failed)
        self._hook_failures: list = []
        # 7d and 30d: a long view over the history file (None: no history, the zoom stops at 24h).
        self.long_zoom = LongZoom(history, self.engine, self._deliver)
        self._said_no_history = False
        self._long_status: tuple[str, str] = ("", "dim")

    # --- wiring -----------------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        insecure = tuple(a.name for a in self.config.accounts if not a.verify_tls)
        screen = OverviewScreen(
            self.store,
            self.config.ui,
            refresh_seconds=self.engine.refresh_seconds,
            insecure_accounts=insecure,
        )
        self._show_source_status([screen])  # a viewer's first frame says it waits for its collector
        return screen

    async def on_mount(self) -> None:
        problems = self._load_themes()
        self.theme = self._initial_theme(problems)
        problems += self._apply_keymap()
        problems += empty_accounts(self.config)
        for problem in problems:
            self.notify(problem, severity="warning", timeout=10, markup=False)
        self.feed.start()
        await self.engine.start()
        self.set_interval(self.tick_seconds, self._tick, name="tick")
        self.alerts.start()
        if self.config_watcher is not None:
            self.config_watcher.start()
        if self.watch_terminal and not self.is_headless:
            self.terminal_watch.install_signals()
            self.set_interval(WATCH_SECONDS, self.terminal_watch.check, name="terminal watch")
        self._mounted_once = True

    async def on_unmount(self) -> None:
        if self.config_watcher is not None:
            await self.config_watcher.stop()
        self.feed.stop()
        self.terminal_watch.uninstall_signals()
        await self.long_zoom.aclose()
        await self.alerts.stop()
        await self.engine.stop()

    def _apply_keymap(self) -> list[str]:
        usable, conflicts = keys.resolve_conflicts(self.config.keys, self.binding_scopes())
        self.set_keymap(usable)
        if not self.config.keys:
            return []
        return keys.check_keymap(self.config.keys, keys.binding_ids(self.binding_groups())) + conflicts

    def _config_applied(self, config: Config) -> None:
        """The config file changed and loaded: accounts and domains are already in the engine; now the rest."""
        ours = config == self.config  # our own edit (a saved theme) read back: nothing new to say
        self.config = config
        self.alerts.apply_config(self._alert_config(config))
        for problem in [*self._apply_keymap(), *([] if ours else empty_accounts(config))]:
            self.notify(problem, severity="warning", timeout=10, markup=False)
        for screen in self.screen_stack:
            if isinstance(screen, OverviewScreen):
                screen.apply_config(config, self.engine.refresh_seconds)
        self.apply_config_theme(config)
        if not ours:
            domains = sum(len(a.domains) for a in config.accounts)
            self.notify(
                f"config reloaded: {len(config.accounts)} accounts, {domains} domains",
                timeout=4,
                markup=False,
            )

    def _config_problem(self, message: str) -> None:
        self.notify(message, title="config not applied", severity="error", timeout=15, markup=False)

    def _deliver(self, changed: frozenset[DomainKey]) -> None:
        if self._shutting_down:
            return
        # A viewer's first snapshot (or its collector gone): the status line says so with the rows it brings,
        # not "connecting…" beside them until the next tick.
        self._show_source_status()
        for screen in self.screen_stack:
            handler = getattr(screen, "store_changed", None)
            if handler is not None:
                handler(changed)

    def _tick(self) -> None:
        """Time moved on (ages, stale marks): only the screen on top looks, and it does little when no data
        changed (data changes come through the feed)."""
        if self._shutting_down:
            return
        self._show_source_status()
        if not hasattr(self.engine, "status"):  # a local engine: the status line's source part is the long zoom's
            said = self.long_zoom.status()
            if said != self._long_status:  # only when it changes: the status line is the screen's to redraw
                self._long_status = said
                for screen in self.screen_stack:
                    if isinstance(screen, OverviewScreen):
                        screen.show_source(*said, screen.refresh_seconds)
        tick = getattr(self.screen, "clock_tick", None)
        if tick is not None:
            tick()

    @property
    def _shutting_down(self) -> bool:
        """The screens' widgets are going away: asked to exit, or Textual's shutdown (which a test's end or a
        hang-up reaches without exit()) has begun removing them; a tick or delivery then finds none."""
        return self._exit or not self._running

    def _show_source_status(self, screens=None) -> None:
        """A remote source's state (connected, waiting for its collector, or gone with a reconnect countdown)
        on the status line, and in the overview while it has no domain to show (livetop.remote.source)."""
        status = getattr(self.engine, "status", None)
        if status is None:
            return
        said = status()
        note = (said.note, said.role) if said.note else None
        for screen in self.screen_stack if screens is None else screens:
            if isinstance(screen, OverviewScreen):
                screen.show_source(
                    said.text, said.role, self.engine.refresh_seconds,
                    shorter=said.shorter, note=note, domains_known=said.heard, live=said.live,
                )  # fmt: skip

    def _source_message(self, message: str, severity: str) -> None:
        self.notify(message, severity=severity, timeout=6, markup=False)  # type: ignore[arg-type]

    def _terminal_gone(self, reason: str) -> None:
        self._silence_driver()
        self.exit(return_code=EXIT_HANGUP)

    def _stop_requested(self, reason: str) -> None:
        """SIGTERM: the terminal is still there, so shut down the normal way, which restores it."""
        self.exit(return_code=EXIT_TERMINATED)

    def _silence_driver(self) -> None:
        """Nobody reads the terminal any more: drop every write. Textual's writer thread dies on the first
        EIO and its bounded queue would then block the shutdown's terminal-restoring writes for ever."""
        driver = self._driver
        if driver is None:
            return
        driver.write = lambda data: None  # type: ignore[method-assign]
        writer = getattr(driver, "_writer_thread", None)
        pending = getattr(writer, "_queue", None)
        while pending is not None and not pending.empty():
            try:
                pending.get_nowait()
            except queue.Empty:
                break

    # --- actions ----------------------------------------------------------------------------------------

    def _current_domain(self) -> DomainKey | None:
        getter = getattr(self.screen, "current_domain", None)
        return getter() if getter is not None else None

    def action_refresh(self) -> None:
        key = self._current_domain()
        if key is not None:
            self.engine.refresh(key)
            self.notify(f"refreshing {key.domain}", timeout=2, markup=False)

    def action_refresh_all(self) -> None:
        self.engine.refresh(None)
        self.notify(f"refreshing all {len(self.store.keys())} domains", timeout=2, markup=False)

    def action_pause(self) -> None:
        key = self._current_domain()
        if key is None:
            return
        loop_state = getattr(self.engine, "loop_state", None)
        if loop_state is None:  # a viewer: the collector polls (its pause says so)
            self.engine.pause(key)
            return
        lp = loop_state(key)
        if lp is None:
            return
        if lp.paused:
            self.engine.resume(key)
            self.notify(f"resumed {key.domain}", timeout=2, markup=False)
        else:
            self.engine.pause(key)
            self.notify(f"paused {key.domain}: not polled until you press p again", timeout=3, markup=False)

    def action_zoom(self, direction: int) -> None:
        current = self.long_zoom.source().window_seconds
        window = zoom(current, direction)
        if window > LIVE_ZOOM_MAX and not self.long_zoom.available:
            if not self._said_no_history:  # why, once; after that the usual "already at" line
                self._said_no_history = True
                self.notify(NO_HISTORY, severity="warning", timeout=10, markup=False)
            else:
                self.notify(f"already at {format_window(current)}, the longest window without history",
                            timeout=2, markup=False)
            return
        if window == current:
            edge = "shortest" if direction < 0 else "longest"
            self.notify(f"already at {format_window(current)}, the {edge} window", timeout=2, markup=False)
            return
        if window > LIVE_ZOOM_MAX:
            # Read from the history file, a chunk of domains at a time; the engine keeps 24 h for the newest
            # part; what the file lacks is fetched in the background. Rows say "filling…" until complete.
            self.long_zoom.open(window)
        else:
            self.long_zoom.close()
            # A longer window is backfilled by every domain's next poll, now; until it lands the store says the
            # domain is filling, and the rows and the drilldown say so.
            refused = self.engine.set_window(window)
            if refused:  # a collector keeps less history than asked for
                self.notify(refused, severity="warning", timeout=6, markup=False)
                return
        self._use_source(self.long_zoom.source())

    def _use_source(self, source) -> None:
        """Point every screen at the data source for the window (the store, or the long view) and redraw."""
        self.feed.flush()
        for screen in self.screen_stack:
            if isinstance(screen, OverviewScreen):
                screen.use_source(source)
            elif isinstance(screen, DrilldownScreen):
                screen.store = source
                if screen.is_current:
                    screen.update_view()

    def _alert_config(self, config: Config) -> Config:
        return config if self._local_alerts else replace(config, alerts=())

    def _alerts_changed(self, events) -> None:
        """Alerts fired or resolved: a toast (one for a burst), the optional bell, the status line's count."""
        if self._exit:
            return
        fired = [e for e in events if e.state == "firing"]
        for message, title, severity in alert_toasts(events):
            self.notify(message, title=title, severity=severity, timeout=8, markup=False)
        if fired and self.config.ui.alert_bell:
            self.bell()
        for screen in self.screen_stack:
            if isinstance(screen, OverviewScreen) and screen.is_mounted:
                try:
                    screen.update_status()  # the count, and the rows' ⚑ marks
                except NoMatches:  # being composed or torn down: its next refresh reads the alerts itself
                    pass

    def _hook_failed(self, result) -> None:
        """An on_fire / on_resolve hook failed: said in a toast (a burst in one), never fatal."""
        if self._exit:
            return
        self._hook_failures.append(result)
        if len(self._hook_failures) == 1:
            self.set_timer(0.3, self._say_hook_failures)

    def _say_hook_failures(self) -> None:
        failures, self._hook_failures = self._hook_failures, []
        toast = hook_toast(failures)
        if toast is not None and not self._exit:
            message, title = toast
            self.notify(message, title=title, severity="error", timeout=12, markup=False)

    def action_alerts(self) -> None:
        if not isinstance(self.screen, AlertsScreen):
            self.push_screen(AlertsScreen(self.alerts, self.store.clock))

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.binding_catalogue(), self.key_label))

    def open_drilldown(self, key: DomainKey) -> None:
        api = self._account_api(key.account)
        point, note = (api.bandwidth_point, api.data_note) if api is not None else ("", "")
        self.push_screen(DrilldownScreen(self.long_zoom.source(), key, point, note))

    def _account_api(self, account_name: str):
        """The declaration of the account's API (what a bandwidth point is, what the figures are), or None."""
        account = self.config.account(account_name)
        try:
            return account_api(account) if account is not None else None
        except KeyError:
            return None

    def on_overview_selected(self, message: Overview.Selected) -> None:
        if message.key is not None:
            self.open_drilldown(message.key)
