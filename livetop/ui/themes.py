"""Themes as data: TOML files turned into Textual themes.

The shipped themes live in the repository's top-level `themes/` folder; a user adds or overrides themes with
files in `$XDG_CONFIG_HOME/livetop/themes/`. A bad file becomes a problem message (shown as a notification),
never a crash: the other themes still load. Every value is checked here, with Textual's own parsers: Textual
reads a theme's values only when it is applied, and a bad one would end the app at that moment.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.css.stylesheet import Stylesheet, StylesheetParseError
from textual.css.tokenize import tokenize_value
from textual.css.tokenizer import TokenError
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


@cache
def _textual_variables() -> dict[str, str]:
    """Every variable Textual's own CSS may use, with a default value (which says what kind of value it is)."""
    return Theme(name="probe", primary="#000000").to_color_system().generate()


def _probe_property(variable: str) -> str:
    """A CSS property Textual uses the variable for: its value must be valid there."""
    if variable.endswith("-style"):  # block-cursor-text-style, link-style...
        return "text-style"
    return "background" if "background" in variable else "color"


def _variables_problem(path: Path, variables: dict[str, str], colours: dict[str, str]) -> str | None:
    """Why these [variables] would break Textual's CSS (None: they are fine). Textual parses the values only
    when the theme is applied, and a bad one ends the app there: so each value goes through the same CSS
    parser now, in the property Textual uses it for."""
    for key, value in variables.items():
        try:
            list(tokenize_value(value, (str(path), key)))
        except TokenError:
            return f"{path}: variables.{key} = {value!r} is not a CSS value"
    known = _textual_variables()
    checked = [key for key in variables if key in known]
    if not checked:
        return None

    def parses(keys: list[str]) -> bool:
        sheet = Stylesheet(variables={**known, **colours, **variables})
        rules = " ".join(f"{_probe_property(k)}: ${k};" for k in keys)
        sheet.add_source(f"Screen {{ {rules} }}", read_from=(str(path), "variables"))
        try:
            sheet.parse()
        except (StylesheetParseError, TokenError):
            return False
        return True

    if parses(checked):
        return None
    bad = next(k for k in checked if not parses([k]))  # only on failure: name the culprit
    kind = {"text-style": 'text style (like "bold" or "none")'}.get(
        _probe_property(bad), 'colour (like "#4aa3df" or "ansi_blue")'
    )
    return f"{path}: variables.{bad} = {variables[bad]!r} is not a {kind}"


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
    theme = Theme(**kwargs)  # type: ignore[arg-type]
    try:
        colours = theme.to_color_system().generate()
    except (ColorParseError, ValueError) as exc:
        raise ThemeError(f"{path}: the colours do not make a theme ({exc})") from None
    problem = _variables_problem(path, dict(variables), colours)
    if problem:
        raise ThemeError(problem)
    return theme


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
