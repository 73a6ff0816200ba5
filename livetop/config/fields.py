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

from livetop.config import durations
from livetop.config.durations import DURATION_FIX, DurationError, shown_number
from livetop.config.schema import ConfigError

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


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
            self.fail(
                where, f"must be a positive integer, not {shown_number(value)}", "use a number of 1 or more"
            )
        return value

    def positive_number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self._wrong_type(value, where, "a number", "write a number without quotes, e.g. 2.5")
        try:
            number = float(value)
        except OverflowError:  # an integer past float range (TOML integers have no size limit here)
            number = math.inf
        if not math.isfinite(number) or number <= 0:
            self.fail(where, f"must be a positive number, not {shown_number(value)}", "use a number above 0")
        return number

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

    def _seconds(self, check: Callable[[Any], Any], value: Any, where: str) -> Any:
        """Run a `livetop.config.durations` check, its refusal becoming this key's ConfigError."""
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self._wrong_type(value, where, "a duration", DURATION_FIX)
        try:
            return check(value)
        except DurationError as exc:
            self.fail(where, exc.problem, exc.fix)

    def duration(self, value: Any, where: str) -> float:
        """A number of seconds or "500ms", "30s", "5m", "1h", "7d" -> seconds."""
        return self._seconds(durations.parse_seconds, value, where)

    def data_lag(self, value: Any, where: str) -> int:
        """How late a vendor's figures settle, zero to 90 days (`durations.data_lag_seconds`)."""
        return self._seconds(durations.data_lag_seconds, value, where)

    def window(self, value: Any, where: str) -> int:
        """The history window, one minute to 90 days (`durations.window_seconds`)."""
        return self._seconds(durations.window_seconds, value, where)

    def refresh(self, value: Any, where: str) -> float:
        """The poll interval, one second to 24 hours (`durations.refresh_seconds`)."""
        return self._seconds(durations.refresh_seconds, value, where)
