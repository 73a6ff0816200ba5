"""The app's own keys (those that work on every screen) and the catalogue of every key: the help screen, the
command palette and the keymap check read the bindings of every screen from here."""

from __future__ import annotations

from collections.abc import Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.markup import escape as escape_markup
from textual.screen import Screen

from livetop.ui import bindings as keys
from livetop.ui.screens.alerts import AlertsScreen
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.screens.help import HelpScreen
from livetop.ui.screens.overview import OverviewScreen
from livetop.ui.widgets.filter_input import FilterInput
from livetop.ui.widgets.overview import Overview

APP_BINDINGS: list[BindingType] = [
    Binding(
        "r",
        "refresh",
        "Refresh",
        id="app.refresh",
        tooltip="Poll the selected domain now (also retries a domain stopped by an error)",
    ),
    Binding(
        "R",
        "refresh_all",
        "Refresh all",
        id="app.refresh_all",
        show=False,
        tooltip="Poll every domain now",
    ),
    Binding(
        "plus,equals_sign",
        "zoom(-1)",
        "Zoom",
        id="app.zoom_in",
        key_display="+/-",
        tooltip="Zoom in: shorter window, 30d → 7d → 24h → 6h → 3h → 1h",
    ),
    Binding(
        "minus",
        "zoom(1)",
        "Zoom out",
        id="app.zoom_out",
        show=False,
        tooltip="Zoom out: longer window, 1h → 3h → 6h → 24h → 7d → 30d (served from the history file, what "
        "it lacks fetched from the vendor in the background)",
    ),
    Binding(
        "t", "next_theme", "Theme", id="app.theme", show=False, tooltip="Next theme (saved in the config)"
    ),
    Binding(
        "question_mark",
        "help",
        "Help",
        id="app.help",
        key_display="?",
        tooltip="This help: every key, what it does, its id for [keys]",
    ),
    Binding(
        "p",
        "pause",
        "Pause",
        id="app.pause",
        show=False,
        tooltip="Pause or resume polling the selected domain (‖ on its row): a known-bad domain during a "
        "broadcast stops filling the error panel",
    ),
    Binding(
        "a",
        "alerts",
        "Alerts",
        id="app.alerts",
        tooltip="The alerts panel: what fires and since when, value against threshold, failed hooks",
    ),
    Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit livetop"),
    # As in btop, k9s and htop. A priority binding, so no widget (the filter line copies on ctrl+c) takes it.
    Binding(
        "ctrl+c", "quit", "Quit", id="app.quit_ctrl_c", show=False, priority=True, tooltip="Quit livetop"
    ),
]


class KeyCatalogue(App[int]):
    """Mixed into LivetopApp: every screen's bindings, grouped as the help shows them, with the user's keymap
    (Textual's `_keymap`, set from the config's [keys]) applied."""

    @classmethod
    def binding_groups(cls) -> list[tuple[str, list[BindingType]]]:
        return [
            ("Overview", [*Overview.BINDINGS, *OverviewScreen.BINDINGS]),
            ("Filter line", list(FilterInput.BINDINGS)),
            ("Drilldown", list(DrilldownScreen.BINDINGS)),
            ("Help", list(HelpScreen.BINDINGS)),
            ("Alerts", list(AlertsScreen.BINDINGS)),
            ("Everywhere", list(cls.BINDINGS)),
        ]

    @classmethod
    def binding_scopes(cls) -> list[list[BindingType]]:
        """Bindings active at the same time: one key must not do two of them."""
        return [
            [*Overview.BINDINGS, *OverviewScreen.BINDINGS, *cls.BINDINGS],
            [*DrilldownScreen.BINDINGS, *cls.BINDINGS],
            list(FilterInput.BINDINGS),
            list(HelpScreen.BINDINGS),
        ]

    def binding_catalogue(self) -> list[tuple[str, list[keys.BindingInfo]]]:
        return keys.catalogue(self.binding_groups(), self._keymap)

    def key_label(self, key: str) -> str:
        return self.get_key_display(Binding(key, ""))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        targets: list[tuple[object, list[BindingType]]] = [(self, list(self.BINDINGS))]
        if isinstance(screen, OverviewScreen):
            targets += [(screen, list(OverviewScreen.BINDINGS)), (screen.overview, list(Overview.BINDINGS))]
        elif isinstance(screen, DrilldownScreen):
            targets.append((screen, list(DrilldownScreen.BINDINGS)))
        for node, items in targets:
            for info in keys.catalogue([("", items)], self._keymap)[0][1]:
                if info.id == "overview.clear_filter" or info.action == "quit":
                    continue  # "Quit" is already a system command; clearing needs a filter first
                shown = ", ".join(self.key_label(k) for k in info.keys)
                yield SystemCommand(
                    info.description,
                    escape_markup(f"{info.help} (key: {shown})"),  # the palette reads help as markup
                    lambda node=node, action=info.action: self.call_later(node.run_action, action),
                )
