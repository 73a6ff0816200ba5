"""Persist one `[ui]` setting into the user's config by the smallest text edit.

The user's comments, order, spacing and line endings stay as they were; only the one value changes (or one
line is added). The file keeps its mode, and a symlinked config keeps its link (the target is edited). Only a
regular file is read or replaced (`livetop.config.write`): never a FIFO, device or directory.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import tomli_w

from livetop.config.schema import ConfigError, UiConfig
from livetop.config.write import WriteRefused, read_regular, replace_file

_UI_HEADER = re.compile(r"""^\s*\[\s*(?:ui|"ui"|'ui')\s*\]\s*(?:#.*)?$""")
_ANY_HEADER = re.compile(r"^\s*\[")
_COMMENT_OR_BLANK = re.compile(r"^\s*(?:#.*)?$")


def set_ui_value(path: str | os.PathLike, key: str, value: bool | str) -> None:
    """Set `[ui] key = value` in the config at `path`, adding `[ui]` if missing. Raises ConfigError."""
    if key not in UiConfig.__dataclass_fields__:
        raise ConfigError(
            path,
            f"ui.{key}",
            "is not a [ui] setting",
            f"use one of: {', '.join(UiConfig.__dataclass_fields__)}",
        )
    expected = type(getattr(UiConfig(), key))
    if type(value) is not expected:
        raise ConfigError(
            path, f"ui.{key}", f"cannot store {value!r} there", f"ui.{key} takes a {expected.__name__}"
        )
    target = Path(os.path.realpath(Path(path).expanduser()))
    try:
        text, mode = read_regular(target) or ("", 0o600)
    except WriteRefused as exc:
        raise ConfigError(path, None, exc.problem, exc.fix) from None
    except UnicodeDecodeError:
        raise ConfigError(path, None, "is not UTF-8 text", "save the file as UTF-8") from None
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read the file: {exc.strerror or exc}", None) from None
    new_text = _edited(text, key, value, path)
    try:
        doc = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            path, f"ui.{key}", f"the edit would break the file ({exc})", "edit it by hand"
        ) from None
    if doc.get("ui", {}).get(key) != value:
        raise ConfigError(path, f"ui.{key}", "the edit did not take", f"set {key} under [ui] by hand")
    _replace(target, new_text, mode, path)


def _rendered(key: str, value: bool | str) -> str:
    return tomli_w.dumps({key: value}).strip()


def _edited(text: str, key: str, value: bool | str, path) -> str:
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, None, f"not valid TOML: {exc}", "fix the file first") from None
    setting = re.compile(rf"""^(\s*(?:{re.escape(key)}|"{re.escape(key)}")\s*=\s*)(.*?)(\r?\n)?$""")
    header = next((i for i, line in enumerate(lines) if _UI_HEADER.match(line)), None)
    if header is None:
        if "ui" in doc:
            # `ui = {...}` or dotted `ui.theme = ...`: a text edit cannot place the key safely.
            raise ConfigError(
                path,
                f"ui.{key}",
                "the [ui] settings are written inline, so livetop cannot edit them",
                f"move them under a [ui] header, or set {key} there by hand",
            )
        if text and not text.endswith(("\n", "\r")):
            text += newline
        gap = newline if text.strip() else ""
        return f"{text}{gap}[ui]{newline}{_rendered(key, value)}{newline}"
    end = next((i for i in range(header + 1, len(lines)) if _ANY_HEADER.match(lines[i])), len(lines))
    for i in range(header + 1, end):
        match = setting.match(lines[i])
        if match:
            lines[i] = (
                match.group(1) + _replace_value(match.group(2), value, path, key) + (match.group(3) or "")
            )
            return "".join(lines)
    # Add the key after the section's last setting, ahead of comments that introduce the next section.
    last = header
    for i in range(header + 1, end):
        if not _COMMENT_OR_BLANK.match(lines[i]):
            last = i
    if not lines[last].endswith(("\n", "\r")):
        lines[last] += newline
    lines.insert(last + 1, _rendered(key, value) + newline)
    return "".join(lines)


def _replace_value(rest: str, value: bool | str, path, key: str) -> str:
    """`"old"  # why` -> `"new"  # why`: the old value ends where what is left is only a comment."""
    new = _rendered(key, value).split("=", 1)[1].strip()
    cuts = [i for i, ch in enumerate(rest) if ch == "#"] + [len(rest)]
    for cut in cuts:
        try:
            tomllib.loads(f"x = {rest[:cut]}")
        except tomllib.TOMLDecodeError:
            continue
        old = rest[:cut].rstrip()
        return new + rest[len(old) :]
    raise ConfigError(
        path,
        f"ui.{key}",
        "its value spans several lines, so livetop cannot edit it",
        f"put {key} = ... on one line",
    )


def _replace(target: Path, text: str, mode: int, shown) -> None:
    """Write beside the file and rename over it, so a crash never leaves half a config."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        replace_file(target, text, mode)
    except OSError as exc:
        raise ConfigError(shown, None, f"cannot write the file: {exc.strerror or exc}", None) from None
