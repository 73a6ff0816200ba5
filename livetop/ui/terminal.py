"""Notice when the terminal goes away (SSH drops, tmux pane killed) and leave instead of spinning; stop
cleanly on SIGTERM.

Two signs of a lost terminal: SIGHUP, and stdin no longer being a terminal (after a hangup the tty answers
EIO, so isatty() turns false). Textual's input thread treats an endless EOF as "no input" and would loop on
it, so the check runs on a slow timer and ends the app. SIGTERM is different: the terminal is still there,
so the app exits the normal way and restores it (alternate screen, mouse tracking, cursor).

Exit codes: EXIT_HANGUP (129) after a lost terminal, EXIT_TERMINATED (143) after SIGTERM, both once the
normal shutdown ran; EXIT_FORCED (131) when that shutdown did not finish within HARD_EXIT_AFTER seconds and
the backstop ended the process (after running the cleanups registered with `on_forced_exit`, such as the
demo removing its config with credentials). No Textual import: the app passes its own callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

HARD_EXIT_AFTER = 5.0  # seconds: if a clean shutdown hangs on a dead terminal, leave anyway
EXIT_HANGUP = 128 + signal.SIGHUP  # 129
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143
EXIT_FORCED = 131  # the backstop: the clean shutdown did not finish in time
STOP_SIGNALS = (signal.SIGHUP, signal.SIGTERM)

_forced_exit_cleanups: list[Callable[[], None]] = []


def on_forced_exit(cleanup: Callable[[], None]) -> Callable[[], None]:
    """Run `cleanup` if the backstop ends the process (it skips every `finally`); returns an unregister."""
    _forced_exit_cleanups.append(cleanup)
    return lambda: _forced_exit_cleanups.remove(cleanup) if cleanup in _forced_exit_cleanups else None


def forced_exit(code: int = EXIT_FORCED) -> None:
    for cleanup in _forced_exit_cleanups[:]:  # a copy: a cleanup may unregister itself
        try:
            cleanup()
        except BaseException:  # noqa: BLE001, S110 - leaving is what matters now
            pass
    os._exit(code)


def arm_backstop(seconds: float | None = HARD_EXIT_AFTER) -> None:
    """End the process with EXIT_FORCED in `seconds` unless it has ended by then (a daemon timer)."""
    if seconds is None:
        return
    timer = threading.Timer(seconds, forced_exit)
    timer.daemon = True
    timer.start()


def _exit_now(signum: int, frame: object) -> None:
    for sig in STOP_SIGNALS:  # the cleanup that SystemExit runs must not be cut short by a second signal
        signal.signal(sig, signal.SIG_IGN)
    arm_backstop()
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def exit_on_stop_signals() -> Iterator[None]:
    """SIGHUP and SIGTERM raise SystemExit (so `finally` blocks run) until the app installs its own handling,
    and again after it has gone: by default either signal ends the process on the spot."""
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig in STOP_SIGNALS:
        signal.signal(sig, _exit_now)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


@contextlib.contextmanager
def stop_signals_ignored() -> Iterator[None]:
    """For a cleanup that must finish: SIGHUP/SIGTERM are ignored meanwhile (the process is leaving anyway)."""
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def stdin_is_terminal(fd: int | None = None) -> bool:
    try:
        return os.isatty(sys.__stdin__.fileno() if fd is None else fd)
    except (AttributeError, ValueError, OSError):
        return False


class TerminalWatch:
    """Calls `on_gone(reason)` once when the terminal is lost and `on_stop(reason)` on SIGTERM; `check()` is
    meant for a 1-2 s timer."""

    def __init__(
        self,
        on_gone: Callable[[str], None],
        on_stop: Callable[[str], None] | None = None,
        fd: int | None = None,
        hard_exit_after: float | None = HARD_EXIT_AFTER,
    ) -> None:
        self.on_gone = on_gone
        self.on_stop = on_stop
        self.fd = fd
        self.hard_exit_after = hard_exit_after
        self.gone: str | None = None
        self.stopping: str | None = None
        self._previous: dict[int, object] = {}

    def install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        handlers = {signal.SIGHUP: self._lost, signal.SIGTERM: self._stop}
        for sig, handler in handlers.items():
            previous = signal.getsignal(sig)
            try:
                loop.add_signal_handler(sig, handler, f"signal {sig.name}")
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
                continue
            self._previous[sig] = previous

    def uninstall_signals(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        for sig, previous in self._previous.items():
            loop.remove_signal_handler(sig)  # leaves SIG_DFL: put back what was there before
            if previous is not None:
                signal.signal(sig, previous)  # type: ignore[arg-type]
        self._previous.clear()

    def check(self) -> None:
        if self.gone is None and not stdin_is_terminal(self.fd):
            self._lost("stdin is no longer a terminal")

    def _lost(self, reason: str) -> None:
        if self.gone is not None:
            return
        self.gone = reason
        # Restoring the terminal may block on a tty nobody reads any more: the backstop ends the process even
        # then (the simulator child of `livetop demo` is stopped by its own death signal).
        if self.stopping is None:
            arm_backstop(self.hard_exit_after)
        self.on_gone(reason)

    def _stop(self, reason: str) -> None:
        if self.stopping is not None or self.gone is not None:
            return
        self.stopping = reason
        arm_backstop(self.hard_exit_after)
        (self.on_stop or self.on_gone)(reason)
