"""Apply config edits without a restart: watch the config file and hand a changed, valid config to the engine.

A broken edit never stops livetop: the running config stays in force and the problem (file, key, fix) is
reported through `on_error` until the file is fixed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from livetop.config import Config, ConfigError, load_config
from livetop.engine.engine import Engine

DEFAULT_INTERVAL_SECONDS = 2.0


def _signature(path: Path) -> tuple[int, int, int] | None:
    """What changes when an editor saves (in place or by rename): inode, size, mtime."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class ConfigWatcher:
    def __init__(
        self,
        engine: Engine,
        path: str | Path,
        *,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        on_applied: Callable[[Config], None] | None = None,
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.engine = engine
        self.path = Path(path)
        self.interval = interval
        self.on_applied = on_applied
        self.on_error = on_error
        self._seen = _signature(self.path)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"watch {self.path}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.check()

    async def check(self) -> bool:
        """Reload if the file changed since the last look; True when a new config was applied."""
        current = _signature(self.path)
        if current == self._seen:
            return False
        self._seen = current
        if current is None:
            self._report(f"{self.path}: the config file is gone; still running on the last good config")
            return False
        try:
            config = load_config(self.path)
        except ConfigError as exc:
            self._report(exc.message() + "\n  (still running on the last good config)")
            return False
        await self.engine.apply_config(config)
        if self.on_applied is not None:
            self.on_applied(config)
        return True

    def _report(self, message: str) -> None:
        if self.on_error is not None:
            self.on_error(message)
