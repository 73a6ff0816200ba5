"""The `history` setting: `history = false` (off), `history = "PATH"`, or a table
`[history] path = "...", retention = "90d"`. Default: on, at `$XDG_STATE_HOME/livetop/history.sqlite`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from livetop.config import durations
from livetop.config.durations import DurationError
from livetop.config.fields import Fields
from livetop.config.schema import HistoryConfig

ENV_HISTORY = "LIVETOP_HISTORY"  # a path, or "off"
HISTORY_KEYS = ("enabled", "path", "retention")
MIN_RETENTION_SECONDS = 86400
MAX_RETENTION_SECONDS = 400 * 86400


def default_history_path() -> Path:
    """`$XDG_STATE_HOME/livetop/history.sqlite`, else `~/.local/state/livetop/history.sqlite`."""
    xdg = os.environ.get("XDG_STATE_HOME", "")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "state"
    return base / "livetop" / "history.sqlite"


def history_path(config: HistoryConfig) -> Path | None:
    """Where the history lives, or None when it is off. `$LIVETOP_HISTORY` (a path or "off") wins."""
    env = os.environ.get(ENV_HISTORY, "")
    if env:
        return None if env.lower() in ("off", "false", "0", "no") else Path(env).expanduser()
    if not config.enabled:
        return None
    return config.path or default_history_path()


def _path(f: Fields, value: Any, where: str, file: Path | None) -> Path:
    path = Path(f.string(value, where)).expanduser()
    if not path.is_absolute() and file is not None:
        path = file.parent / path  # relative to the config file, not to wherever livetop was started
    return path


def parse_history(f: Fields, value: Any, file: Path | None) -> HistoryConfig:
    if isinstance(value, bool):
        return HistoryConfig(enabled=value)
    if isinstance(value, str):
        return HistoryConfig(path=_path(f, value, "history", file))
    if not isinstance(value, Mapping):
        f.fail("history", "must be true, false, a file path or a table",
               'write history = false to turn it off, or history = "~/livetop-history.sqlite"')
    f.check_keys(value, HISTORY_KEYS, "history")
    enabled = f.get(value, "enabled", "history", f.boolean, default=True)
    path = _path(f, value["path"], "history.path", file) if "path" in value else None
    retention = HistoryConfig().retention_seconds
    if "retention" in value:
        try:
            retention = int(durations.parse_seconds(value["retention"], fix='use e.g. "90d"'))
        except DurationError as exc:
            f.fail("history.retention", exc.problem, exc.fix)
        if not MIN_RETENTION_SECONDS <= retention <= MAX_RETENTION_SECONDS:
            f.fail("history.retention", f"must be between 1 day and 400 days, not {value['retention']!r}",
                   'use e.g. "90d" (the default)')
    return HistoryConfig(enabled=enabled, path=path, retention_seconds=retention)
