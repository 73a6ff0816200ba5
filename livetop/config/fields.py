"""Typed reads of TOML values, each failing with one `ConfigError` that names the key path and the fix.

Values of secret keys are never echoed; other values are, because seeing "huawai" next to the error helps.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from livetop.config.schema import ConfigError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h|d)?\s*$", re.IGNORECASE)
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
DURATION_FIX = 'use a number of seconds or a string like "30s", "5m", "1h"'


def key_path(prefix: str, key: str) -> str:
    """`accounts[0]` + `name` -> `accounts[0].name`; keys that are not bare TOML keys are quoted."""
    part = key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)
    return f"{prefix}.{part}" if prefix else part


def type_name(value: Any) -> str:
    """The TOML name of a parsed value's type, for "must be a string, not an integer"."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, (datetime, date, time)):
        return "a date/time"
    return type(value).__name__


def suggest(key: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    matches = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if not matches:
        matches = [a for a in allowed if a.lower() == key.lower().replace("-", "_")]
    return matches[0] if matches else None


class Fields:
    """Reads values out of one config document; `path` names the file in every error."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def fail(self, key: str | None, problem: str, fix: str | None) -> NoReturn:
        raise ConfigError(self.path, key, problem, fix)

    # --- lookups ----------------------------------------------------------------------------------------

    def get(
        self, table: Mapping, key: str, prefix: str, convert: Callable[[Any, str], Any], *, default: Any
    ) -> Any:
        if key not in table:
            return default
        return convert(table[key], key_path(prefix, key))

    def require(
        self,
        table: Mapping,
        key: str,
        prefix: str,
        convert: Callable[[Any, str], Any],
        fix: str | None = None,
    ) -> Any:
        if key not in table:
            self.fail(key_path(prefix, key), f"missing required key {key}", fix or f'add {key} = "..."')
        return convert(table[key], key_path(prefix, key))

    def check_keys(self, table: Mapping, allowed: tuple[str, ...], prefix: str) -> None:
        for key in table:
            if key in allowed:
                continue
            near = suggest(key, allowed)
            fix = f"did you mean `{near}`?" if near else f"remove it; keys allowed here: {', '.join(allowed)}"
            self.fail(key_path(prefix, key), f'unknown key "{key}"', fix)

    # --- converters: (value, key path) -> value -----------------------------------------------------------

    def _wrong_type(self, value: Any, where: str, expected: str, fix: str) -> NoReturn:
        self.fail(where, f"must be {expected}, not {type_name(value)}", fix)

    def table(self, value: Any, where: str) -> Mapping:
        if not isinstance(value, Mapping):
            fix = "write it as { key = value }" if where.endswith("]") else f"write it as a [{where}] section"
            self._wrong_type(value, where, "a table", fix)
        return value

    def array(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            self._wrong_type(value, where, "an array", 'put the items in brackets, e.g. ["a", "b"]')
        return value

    def string(self, value: Any, where: str, secret: bool = False) -> str:
        if not isinstance(value, str):
            quotable = isinstance(value, (int, float)) and not isinstance(value, bool) and not secret
            self._wrong_type(
                value, where, "a string", f'quote it: "{value}"' if quotable else 'put the text in "quotes"'
            )
        if not value.strip():
            self.fail(where, "is empty", "give it a value, or remove the key")
        return value if secret else value.strip()

    def boolean(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            self._wrong_type(value, where, "true or false", "write true or false, without quotes")
        return value

    def integer(self, value: Any, where: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            self._wrong_type(value, where, "an integer", "write a whole number without quotes, e.g. 5")
        return value

    def positive_int(self, value: Any, where: str) -> int:
        value = self.integer(value, where)
        if value <= 0:
            self.fail(where, f"must be a positive integer, not {value}", "use a number of 1 or more")
        return value

    def positive_number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong_type(value, where, "a number", "write a number without quotes, e.g. 2.5")
        if not math.isfinite(value) or value <= 0:
            self.fail(where, f"must be a positive number, not {value}", "use a number above 0")
        return float(value)

    def url(self, value: Any, where: str) -> str:
        text = self.string(value, where)
        try:
            parts = urlsplit(text)
            host = parts.hostname
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            parts, host = None, None
        if parts is None or parts.scheme not in ("http", "https") or not host:
            shown = f'"{text}" ' if "@" not in text else ""
            self.fail(
                where,
                f"{shown}is not an http(s) URL",
                'write it like "https://live.cn-north-4.myhuaweicloud.com"',
            )
        if parts.username is not None or parts.password is not None:
            self.fail(
                where,
                "must not carry a user name or password",
                "remove the user:password@ part; credentials go in the account's secret keys",
            )
        if parts.query or parts.fragment:
            self.fail(
                where, "must not have a query or fragment", f"use {parts.scheme}://{parts.netloc}{parts.path}"
            )
        return text.rstrip("/")

    def duration(self, value: Any, where: str, *, allow_zero: bool = False) -> float:
        """A number of seconds or "500ms", "30s", "5m", "1h", "7d" -> seconds."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self._wrong_type(value, where, "a duration", DURATION_FIX)
        if isinstance(value, str):
            match = _DURATION.match(value)
            if not match:
                self.fail(where, f'"{value}" is not a duration', DURATION_FIX)
            unit = match.group(2).lower() if match.group(2) else None
            seconds = float(match.group(1)) * _DURATION_UNITS[unit]
        else:
            seconds = float(value)
        if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not allow_zero):
            self.fail(where, f"must be a positive duration, not {value!r}", DURATION_FIX)
        return seconds

    def duration_or_zero(self, value: Any, where: str) -> float:
        return self.duration(value, where, allow_zero=True)
