"""`livetop` and `livetop demo` as a user starts them: real processes, a real pseudo-terminal, the simulator as
a child process. Bounds on waits only turn a hang into a failure; nothing here measures speed."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import httpx
import pytest

from livetop.cli.demo import Simulator
from livetop.ui.terminal import EXIT_FORCED, EXIT_HANGUP, EXIT_TERMINATED

ROOT = Path(__file__).resolve().parent.parent
HANG = 60.0  # seconds before a wait counts as a hang


def child_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env.update(
        TERM="xterm-256color",
        XDG_CONFIG_HOME=str(tmp_path / "xdg"),
        PYTHONPATH=str(ROOT),
        TMPDIR=str(tmp_path / "tmp"),
    )
    env.pop("NO_COLOR", None)
    return env


def run_livetop(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "livetop", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=child_env(tmp_path),
        timeout=HANG,
        check=False,
    )


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def read_until(fd: int, needle: bytes, seen: bytearray) -> None:
    deadline = time.monotonic() + HANG
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"{needle!r} never appeared; last output: {bytes(seen[-400:])!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"the program ended before {needle!r}; output: {bytes(seen[-800:])!r}")
            seen += chunk


def repaint_until(fd: int, needle: bytes, seen: bytearray, rows: int = 30, columns: int = 100) -> None:
    """Resize the terminal (one column narrower, then back) until `needle` is written: a resize makes the app
    repaint every line whole, where a change alone writes only the cells that changed."""
    deadline = time.monotonic() + HANG
    width = columns
    while needle not in seen:
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} never appeared; last output: {bytes(seen[-400:])!r}")
        width = columns - 1 if width == columns else columns
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, width, 0, 0))
        end = time.monotonic() + 3.0
        while needle not in seen and time.monotonic() < end:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the program ended before {needle!r}; output: {bytes(seen[-800:])!r}")
                seen += chunk


def wait_exit(pid: int, fd: int | None = None, seen: bytearray | None = None) -> int:
    """Wait for the process to end, reading its terminal meanwhile (as a terminal does: a full pty buffer
    would block its writes), appending what it wrote to `seen` when given."""
    deadline = time.monotonic() + HANG
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        if fd is not None and select.select([fd], [], [], 0.05)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:
                fd = None
            else:
                if seen is not None:
                    seen += data
        else:
            time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    raise AssertionError("livetop did not exit")


def wait_gone(pid: int) -> None:
    deadline = time.monotonic() + HANG
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} still running"
        time.sleep(0.05)


def demo_dirs(tmp_path: Path) -> list[Path]:
    """The demo's temp folders (each holds a config with the simulator's credentials) under the test's TMPDIR."""
    return list((tmp_path / "tmp").glob("livetop-demo-*"))


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + HANG
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def start_demo_in_pty(tmp_path: Path) -> tuple[int, int]:
    """`livetop demo` in a new pseudo-terminal (its controlling terminal, 100x30), as a shell would start it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec at once (no Python state of the test runner is used after fork)
        os.execve(sys.executable, [sys.executable, "-m", "livetop", "demo"], child_env(tmp_path))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    return pid, fd


# --- errors before any screen -------------------------------------------------------------------------


def test_a_config_error_is_a_message_and_exit_2(tmp_path: Path):
    bad = tmp_path / "config.toml"
    bad.write_text('refresh = "soon"\n')
    result = run_livetop("--config", str(bad), tmp_path=tmp_path)
    assert result.returncode == 2
    assert "config error" in result.stderr and str(bad) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    missing = run_livetop("--config", str(tmp_path / "nope.toml"), tmp_path=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_the_tui_refuses_to_start_without_a_terminal(tmp_path: Path):
    result = run_livetop("demo", tmp_path=tmp_path)
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "livetop snapshot" in result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_app_does_not_import_plotext():
    code = "import sys, livetop.ui.app; print('plotext' in sys.modules, 'textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=HANG, check=False
    )
    assert out.stdout.split() == ["False", "True"], out.stderr


# --- the simulator child ------------------------------------------------------------------------------


def test_the_demo_simulator_runs_as_a_child_and_stops(tmp_path: Path):
    sim = Simulator(str(tmp_path / "config.toml"), 20, str(tmp_path / "sim.log"))
    sim.start()
    try:
        url = sim.wait_listening()
        assert url.startswith("http://127.0.0.1:")
        config = tmp_path / "config.toml"
        assert config.stat().st_mode & 0o777 == 0o600 and url in config.read_text()
        answer = httpx.post(f"{url}/api/live/bandwidth_flow", json={}, timeout=10)
        assert answer.status_code in (200, 400)  # a JD-shaped answer from the real server
        pid = sim.proc.pid
    finally:
        sim.stop()
    wait_gone(pid)
    assert sim.proc is None


def test_a_simulator_that_cannot_start_says_why(tmp_path: Path):
    (tmp_path / "a-file").write_text("not a directory")
    sim = Simulator(str(tmp_path / "a-file" / "config.toml"), None, str(tmp_path / "sim.log"))
    sim.start()
    try:
        with pytest.raises(RuntimeError, match="cannot write"):
            sim.wait_listening()
    finally:
        sim.stop()


# --- the demo in a real terminal ----------------------------------------------------------------------


def test_demo_shows_data_quits_on_q_and_stops_its_simulator(tmp_path: Path):
    pid, fd = start_demo_in_pty(tmp_path)
    seen = bytearray()
    try:
        read_until(fd, b"Football final", seen)
        read_until(fd, b"Gbps", seen)
        sims = children_of(pid)
        assert sims, "the simulator runs as a child process"
        os.write(fd, b"q")
        assert wait_exit(pid, fd) == 0
    finally:
        os.close(fd)
    for child in sims:
        wait_gone(child)
    assert not demo_dirs(tmp_path)  # its config with inline secrets is gone too


def test_demo_exits_when_the_terminal_hangs_up(tmp_path: Path):
    pid, fd = start_demo_in_pty(tmp_path)
    seen = bytearray()
    read_until(fd, b"Football final", seen)
    sims = children_of(pid)
    assert sims
    os.close(fd)  # the SSH connection drops: SIGHUP, and the tty answers EIO from now on
    assert wait_exit(pid) == EXIT_HANGUP  # a clean exit: the backstop's would be EXIT_FORCED
    for child in sims:
        wait_gone(child)
    assert not demo_dirs(tmp_path)  # its config with inline secrets is gone


def test_a_hangup_while_the_demo_starts_still_removes_its_temp_dir_and_simulator(tmp_path: Path):
    """Before the TUI is up (SIGHUP's default action would end the process on the spot, skipping cleanup)."""
    pid, fd = start_demo_in_pty(tmp_path)
    try:
        wait_for(lambda: demo_dirs(tmp_path) and children_of(pid), "the demo to create its dir and simulator")
        sims = children_of(pid)
    finally:
        os.close(fd)  # hang up now, while the simulator boots
    assert wait_exit(pid) == EXIT_HANGUP
    for child in sims:
        wait_gone(child)
    assert not demo_dirs(tmp_path)


def test_sigterm_restores_the_terminal_and_cleans_up(tmp_path: Path):
    pid, fd = start_demo_in_pty(tmp_path)
    seen = bytearray()
    try:
        read_until(fd, b"Football final", seen)
        sims = children_of(pid)
        assert sims
        before = len(seen)
        os.kill(pid, signal.SIGTERM)  # e.g. systemd or `kill`: the terminal is still there
        try:
            read_until(fd, b"\x1b[?1049l", seen)  # back from the alternate screen...
        except AssertionError:
            pass  # the asserts below say what was missing
        # Textual writes the alternate-screen exit and the cursor show separately: keep reading what follows.
        assert wait_exit(pid, fd, seen) == EXIT_TERMINATED
    finally:
        os.close(fd)
    restored = bytes(seen[before:])
    for sequence, what in ((b"\x1b[?1049l", "alternate screen left"), (b"\x1b[?25h", "cursor shown"),
                           (b"\x1b[?1000l", "mouse tracking off")):  # fmt: skip
        assert sequence in restored, f"{what}: {sequence!r} not written; tail {restored[-300:]!r}"
    for child in sims:
        wait_gone(child)
    assert not demo_dirs(tmp_path)


def test_demo_exits_when_its_terminal_dies_without_a_hangup_signal(tmp_path: Path):
    """Not the terminal's session leader (no SIGHUP arrives): the tty answering EIO is the only sign."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    proc = subprocess.Popen(
        [sys.executable, "-m", "livetop", "demo"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env(tmp_path),
        start_new_session=True,  # no controlling terminal: closing the master sends no SIGHUP
    )
    os.close(slave)
    try:
        read_until(master, b"Football final", bytearray())
        sims = children_of(proc.pid)
    finally:
        os.close(master)
    assert proc.wait(timeout=HANG) == EXIT_HANGUP  # a clean exit: the backstop's would be EXIT_FORCED
    for child in sims:
        wait_gone(child)
    assert not demo_dirs(tmp_path)


def test_the_backstop_runs_the_cleanups_and_exits_with_its_own_code(tmp_path: Path):
    """A shutdown hung on a dead terminal: the backstop ends the process with a code of its own (so a clean
    exit after a hang-up can be told apart) after the registered cleanups, which `finally` would have run."""
    marker = tmp_path / "cleaned"
    code = (
        "import pathlib, time\n"
        "from livetop.ui import terminal\n"
        f"terminal.on_forced_exit(lambda: pathlib.Path({str(marker)!r}).write_text('done'))\n"
        "terminal.arm_backstop(0.2)\n"
        "time.sleep(60)  # a shutdown that never finishes\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=HANG, check=False)
    assert result.returncode == EXIT_FORCED and marker.read_text() == "done"
    assert len({EXIT_FORCED, EXIT_HANGUP, EXIT_TERMINATED, 0, 1, 2}) == 6


def test_demo_refresh_takes_the_configs_bounds():
    from livetop.cli.demo import demo_refresh

    assert demo_refresh(16, None) == 5.0 and demo_refresh(1000, None) == 15.0
    assert demo_refresh(16, "2s") == 2.0
    for bad in ("0.5", "abc", "1e9d", "25h"):
        with pytest.raises(ValueError):
            demo_refresh(16, bad)


def test_livetop_on_a_user_config_shows_data_records_history_and_quits(make_sim, tmp_path: Path):
    """`livetop --config FILE` as a user runs it (the path the demo does not take: the user's history file)."""
    from livetop.clock import SYSTEM_CLOCK

    thread = make_sim(clock=SYSTEM_CLOCK)  # the child runs on the wall clock
    config = thread.sim.write_config(tmp_path / "livetop.toml", timeout="3s")
    env = child_env(tmp_path)
    env["XDG_STATE_HOME"] = str(tmp_path / "state")
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "livetop", "--config", str(config)], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = bytearray()
    try:
        read_until(fd, b"Football final", seen)
        read_until(fd, b"Gbps", seen)
        os.write(fd, b"q")
        assert wait_exit(pid, fd, seen) == 0, bytes(seen[-800:])
    finally:
        os.close(fd)
    assert b"Traceback" not in seen
    assert (tmp_path / "state" / "livetop" / "history.sqlite").exists()


def test_demo_with_a_history_file_records_and_zooms_to_7d(tmp_path: Path):
    """The TUI opens its history (a user's config, or the demo's --history): it records, and `-` past 24h
    reads the week from it."""
    import sqlite3

    history = tmp_path / "demo-history.sqlite"
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, "-m", "livetop", "demo", "--history", str(history)],
                  child_env(tmp_path))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    seen = bytearray()
    try:
        read_until(fd, b"Gbps", seen)
        os.write(fd, b"----")
        read_until(fd, b"7d", seen)
        # The screen writes only the cells that change, so "LAST 24h" -> "LAST 7d" may arrive as "7d" alone;
        # a resize repaints every line whole, as a terminal's user would see it.
        repaint_until(fd, b"LAST 7d", seen)
        os.write(fd, b"q")
        assert wait_exit(pid, fd) == 0
    finally:
        os.close(fd)
    db = sqlite3.connect(history)
    assert db.execute("SELECT count(*) FROM points").fetchone()[0] > 0  # the demo's buckets, recorded
    db.close()
