"""The history as a running process uses it: open the file, attach the recorder to the engine, flush on a
task, and on stop write what is left and close. Shared by the TUI and `serve`."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from livetop.history.recorder import HistoryRecorder
from livetop.history.store import History


class Recording:
    def __init__(self, history: History, recorder: HistoryRecorder, task: asyncio.Task | None) -> None:
        self.history = history
        self.recorder = recorder
        self.task = task

    @classmethod
    def start(cls, path: Path, config, engine) -> Recording:
        """Open (or set aside and recreate) the file and start flushing; call inside the running loop."""
        history = History(path, engine.clock, config.history.retention_seconds)
        recorder = HistoryRecorder(history, engine)
        engine.history = recorder
        task = asyncio.get_running_loop().create_task(recorder.run(), name="history flush")
        return cls(history, recorder, task)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        self.recorder.close()
        self.history.close()


def open_recording(config, engine) -> Recording | None:
    """The history for this config (None when off), attached to `engine`; call in the running loop, before
    the engine starts, so the first poll is served from disk."""
    from livetop.config.history import history_path

    path = history_path(config.history)
    return None if path is None else Recording.start(path, config, engine)
