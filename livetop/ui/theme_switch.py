"""The app's theme handling: the start-up choice, `t`, and saving the choice to the config.

A theme is applied only after a trial parse of the CSS with its values (Textual reads them only when a theme
is applied, and a value its parser refuses would end the app there), and saved to the config only once it
has been applied: a theme that cannot be drawn is never written where the next start would read it.
"""

from __future__ import annotations

import os
from dataclasses import replace

from textual.app import App

from livetop.config.schema import Config, ConfigError
from livetop.ui.themes import ANSI_THEME, DEFAULT_THEME, ThemeSet, load_themes, next_theme


class ThemeSwitch(App[int]):
    """Mixed into LivetopApp (which sets the attributes below)."""

    config: Config
    persist_theme: bool
    _themes: ThemeSet | None
    theme_names: list[str]
    saved_themes: list[str]
    _mounted_once: bool

    def _load_themes(self) -> list[str]:
        found = self._themes if self._themes is not None else load_themes()
        for theme in found.themes.values():
            self.register_theme(theme)
        self.theme_names = list(found.themes)
        return list(found.problems)

    def theme_problem(self, name: str) -> str | None:
        """Why theme `name` cannot be applied to the CSS loaded now (None: it can)."""
        theme = self.get_theme(name)
        if theme is None:
            return f"theme {name!r} not found (known: {', '.join(self.theme_names)})"
        sheet = self.stylesheet.copy()
        try:
            variables = theme.to_color_system().generate()
            sheet.set_variables({**self.get_theme_variable_defaults(), **variables, **theme.variables})
            sheet.reparse()
        except Exception as exc:  # noqa: BLE001 - whatever Textual's parsers raise here would end the app
            return f"theme {name!r} cannot be drawn ({type(exc).__name__}: its values do not parse as CSS)"
        return None

    def _fallback_theme(self) -> str:
        if DEFAULT_THEME in self.available_themes and self.theme_problem(DEFAULT_THEME) is None:
            return DEFAULT_THEME
        return "textual-dark"

    def _initial_theme(self, problems: list[str]) -> str:
        wanted = self.config.ui.theme
        if wanted == DEFAULT_THEME and os.environ.get("TERM") == "linux" and ANSI_THEME in self.theme_names:
            wanted = ANSI_THEME  # the Linux console has 16 colours: let its palette draw them
        problem = self.theme_problem(wanted)
        if problem is None:
            return wanted
        fallback = self._fallback_theme()
        problems.append(f"{problem}; using {fallback}")
        return fallback

    def action_next_theme(self) -> None:
        names = self.theme_names or sorted(self.available_themes)
        name = self.theme
        for _ in names:  # skip a theme that cannot be drawn (and say why), at most once round
            name = next_theme(names, name)
            problem = self.theme_problem(name)
            if problem is None:
                self.theme = name
                self.notify(f"theme {name}", timeout=2, markup=False)
                return
            self.notify(f"{problem}; skipped", severity="warning", timeout=8, markup=False)

    def apply_config_theme(self, config: Config) -> None:
        """A reloaded config names a theme: apply it if it can be drawn (else say so, keep the current one)."""
        wanted = config.ui.theme
        if wanted == self.theme:
            return
        problem = self.theme_problem(wanted)
        if problem is not None:
            self.notify(f"{problem}; keeping {self.theme}", severity="warning", timeout=8, markup=False)
            return
        self.theme = wanted

    def watch_theme(self, name: str) -> None:
        if self._mounted_once and self.persist_theme and self.config.path is not None:
            # Saved once Textual has applied it (its CSS refresh runs before the next screen refresh).
            self.call_after_refresh(self._save_theme, name)

    def _save_theme(self, name: str) -> None:
        if name != self.theme or self.config.path is None:  # another `t` came since: that one is saved
            return
        if name == self.config.ui.theme:  # already what the file says (e.g. the file was just reloaded)
            return
        from livetop.config.edit import set_ui_value

        try:
            set_ui_value(self.config.path, "theme", name)
        except ConfigError as exc:  # e.g. a read-only config: the theme still applies for this session
            self.notify(
                f"theme {name} is active but was not saved: {exc.message()}",
                severity="warning",
                timeout=6,
                markup=False,
            )
            return
        self.config = replace(self.config, ui=replace(self.config.ui, theme=name))
        self.saved_themes.append(name)
