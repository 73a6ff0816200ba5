"""Notice when the terminal goes away (SSH drops, tmux pane killed) and leave instead of spinning.

Two signs: SIGHUP, and stdin no longer being a terminal (after a hangup the tty answers EIO, so isatty() turns
false). Textual's input thread treats an endless EOF as "no input" and would loop on it, so the check runs on
a slow timer and ends the app. No Textual import: the app passes its own exit callback.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
from collections.abc import Callable

HARD_EXIT_AFTER = 5.0  # seconds: if a clean shutdown hangs on a dead terminal, leave anyway


def stdin_is_terminal(fd: int | None = None) -> bool:
    try:
        return os.isatty(sys.__stdin__.fileno() if fd is None else fd)
    except (AttributeError, ValueError, OSError):
        return False


class TerminalWatch:
    """Calls `on_gone(reason)` once when the terminal is lost; `check()` is meant for a 1-2 s timer."""

    def __init__(
        self,
        on_gone: Callable[[str], None],
        fd: int | None = None,
        hard_exit_after: float | None = HARD_EXIT_AFTER,
    ) -> None:
        self.on_gone = on_gone
        self.fd = fd
        self.hard_exit_after = hard_exit_after
        self.gone: str | None = None
        self._installed: list[int] = []

    def install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGHUP, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self._lost, f"signal {sig.name}")
                self._installed.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
                pass

    def uninstall_signals(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for sig in self._installed:
            loop.remove_signal_handler(sig)
        self._installed.clear()

    def check(self) -> None:
        if self.gone is None and not stdin_is_terminal(self.fd):
            self._lost("stdin is no longer a terminal")

    def _lost(self, reason: str) -> None:
        if self.gone is not None:
            return
        self.gone = reason
        # Restoring the terminal may block on a tty nobody reads any more: a daemon timer guarantees the
        # process ends even then (the simulator child of `livetop demo` is stopped by its own death signal).
        if self.hard_exit_after is not None:
            timer = threading.Timer(self.hard_exit_after, os._exit, args=(129,))
            timer.daemon = True
            timer.start()
        self.on_gone(reason)
