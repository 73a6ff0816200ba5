"""Themes as data: TOML files turned into Textual themes.

The shipped themes live in the repository's top-level `themes/` folder; a user adds or overrides themes with
files in `$XDG_CONFIG_HOME/livetop/themes/`. A bad file becomes a problem message (shown as a notification),
never a crash: the other themes still load.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

import livetop

DEFAULT_THEME = "livetop-dark"
ANSI_THEME = "livetop-ansi"

_COLOUR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_OTHER_KEYS = {"name": str, "dark": bool, "ansi": bool, "luminosity_spread": float, "text_alpha": float}


class ThemeError(Exception):
    """A theme file livetop cannot use; the message names the file and the problem."""


@dataclass
class ThemeSet:
    """Themes in load order (shipped first, then the user's) and the problems met on the way."""

    themes: dict[str, Theme] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return list(self.themes)


def shipped_themes_dir() -> Path | None:
    """The shipped `themes/` folder: beside the package in a source checkout or editable install, else where a
    wheel installs it (`<prefix>/share/livetop/themes`, see pyproject.toml)."""
    package = Path(livetop.__file__).resolve().parent
    for candidate in (package.parent / "themes", Path(sys.prefix) / "share" / "livetop" / "themes"):
        if candidate.is_dir():
            return candidate
    return None


def user_themes_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "livetop" / "themes"


def _colour(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeError(f'{path}: {key} must be a colour string like "#4aa3df" or "ansi_blue"')
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(
            f'{path}: {key} = {value!r} is not a colour (try "#4aa3df" or "ansi_blue")'
        ) from None
    return value


def parse_theme(data: dict, path: Path) -> Theme:
    """A theme table (as read from TOML) -> Theme. Raises ThemeError naming the file and key."""
    allowed = set(_COLOUR_KEYS) | set(_OTHER_KEYS) | {"variables"}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ThemeError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f'{path}: name is missing (add name = "my-theme")')
    if "primary" not in data:
        raise ThemeError(f'{path}: primary colour is missing (add primary = "#4aa3df")')
    kwargs: dict[str, object] = {"name": name.strip()}
    for key in _COLOUR_KEYS:
        if key in data:
            kwargs[key] = _colour(path, key, data[key])
    for key, kind in _OTHER_KEYS.items():
        if key == "name" or key not in data:
            continue
        value = data[key]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind):
            raise ThemeError(f"{path}: {key} must be {'true or false' if kind is bool else 'a number'}")
        kwargs[key] = value
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f'{path}: [variables] must be a table of name = "value"')
    for key, value in variables.items():
        if not isinstance(value, str):
            raise ThemeError(f"{path}: variables.{key} must be a string")
    kwargs["variables"] = dict(variables)
    return Theme(**kwargs)  # type: ignore[arg-type]


def load_theme_file(path: Path) -> Theme:
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path}: not valid TOML ({exc})") from None
    return parse_theme(data, path)


def load_themes(folders: list[Path | None] | None = None) -> ThemeSet:
    """Every `*.toml` theme in the shipped folder, then the user's folder (a user theme of the same name
    replaces the shipped one). Files are read in name order so cycling themes is predictable."""
    if folders is None:
        folders = [shipped_themes_dir(), user_themes_dir()]
    found = ThemeSet()
    for folder in folders:
        if folder is None or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                found.problems.append(str(exc))
                continue
            found.themes[theme.name] = theme
    if DEFAULT_THEME not in found.themes:
        found.problems.append(
            f"the shipped theme {DEFAULT_THEME!r} was not found (looked in {shipped_themes_dir() or 'themes/'}); "
            "using Textual's default look"
        )
    return found


def next_theme(names: list[str], current: str) -> str:
    """The theme after `current` in `names`, wrapping around (the first one if `current` is not there)."""
    if not names:
        return current
    if current not in names:
        return names[0]
    return names[(names.index(current) + 1) % len(names)]
