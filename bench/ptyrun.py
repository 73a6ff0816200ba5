"""Run one program in a pseudo-terminal and measure what it costs.

The program gets a pty of a fixed size as its controlling terminal and stdin/stdout/stderr. The harness reads
everything it writes and types nothing, except the keys a case asks for after the warm-up. It answers no
terminal query (cursor position, device attributes, DECRQM, colour queries): a real terminal would, but none
of the benchmarked programs waits for an answer, so answering would only add bytes the program did not choose
to send. The queries seen are reported so a reader can tell. A case may list replies (`answers`) should a
program ever block without one.

Figures cover the measurement window only: [warm-up (+ settle after sent keys), + duration).
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.proctree import ProcessTree, TreeSample
from bench.screentext import ScreenText

DEFAULT_GAP_SECONDS = 0.050
SAMPLE_EVERY_SECONDS = 0.5

# Terminal queries a program may send and expect an answer to; reported, not answered.
QUERIES = {
    "cursor position (DSR 6)": re.compile(rb"\x1b\[\??6n"),
    "device attributes (DA)": re.compile(rb"\x1b\[[>=]?0?c"),
    "mode report (DECRQM)": re.compile(rb"\x1b\[\?\d+\$p"),
    "terminal version (XTVERSION)": re.compile(rb"\x1b\[>0?q"),
    "colour query (OSC 10/11)": re.compile(rb"\x1b\]1[01];\?"),
    "window size (XTWINOPS)": re.compile(rb"\x1b\[1[468]t"),
    "termcap query (XTGETTCAP)": re.compile(rb"\x1bP\+q"),
    "keyboard protocol (kitty)": re.compile(rb"\x1b\[\?u"),
}


@dataclass(frozen=True)
class Chunk:
    at: float  # seconds since start
    size: int


@dataclass(frozen=True)
class Frame:
    start: float
    end: float
    size: int


@dataclass
class RunResult:
    """What one run measured. Rates and sizes cover the measurement window."""

    window_seconds: float
    window_bytes: int
    frames: list[Frame]  # frames that started inside the window
    cpu_seconds: float | None  # CPU of the whole tree inside the window
    peak_rss_bytes: int
    first_data_seconds: float | None  # start to the read that completed a match of the data pattern
    exit_status: int | None  # None: still running when the harness stopped it
    exited_at: float | None
    total_bytes: int
    queries_seen: list[str] = field(default_factory=list)
    tail_text: str = ""  # the last plain text seen, for diagnosing a program that failed

    @property
    def bytes_per_second(self) -> float:
        return self.window_bytes / self.window_seconds if self.window_seconds > 0 else 0.0

    @property
    def frames_per_second(self) -> float:
        return len(self.frames) / self.window_seconds if self.window_seconds > 0 else 0.0

    @property
    def mean_frame_bytes(self) -> float | None:
        return sum(f.size for f in self.frames) / len(self.frames) if self.frames else None

    @property
    def max_frame_bytes(self) -> int | None:
        return max((f.size for f in self.frames), default=None)

    @property
    def cpu_percent(self) -> float | None:
        if self.cpu_seconds is None or self.window_seconds <= 0:
            return None
        return 100.0 * self.cpu_seconds / self.window_seconds


def group_frames(chunks: Sequence[Chunk], gap_seconds: float) -> list[Frame]:
    """Write bursts: consecutive reads with less than `gap_seconds` of silence between them."""
    frames: list[Frame] = []
    for chunk in chunks:
        if frames and chunk.at - frames[-1].end < gap_seconds:
            last = frames[-1]
            frames[-1] = Frame(last.start, chunk.at, last.size + chunk.size)
        else:
            frames.append(Frame(chunk.at, chunk.at, chunk.size))
    return frames


def set_window_size(fd: int, cols: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _spawn(argv: Sequence[str], env: Mapping[str, str], cwd: str | None, cols: int, rows: int):
    master, slave = os.openpty()
    set_window_size(slave, cols, rows)
    pid = os.fork()
    if pid == 0:  # child: new session, the pty as controlling terminal and stdio, then exec
        try:
            os.close(master)
            os.login_tty(slave)
            if cwd:
                os.chdir(cwd)
            os.execvpe(argv[0], list(argv), dict(env))
        except BaseException as exc:  # exec failed: say so on the pty, where the harness reads it
            os.write(2, f"bench: cannot run {argv[0]}: {exc}\r\n".encode())
        finally:
            os._exit(127)
    os.close(slave)
    return pid, master


def _signal_all(pids: Sequence[int], sig: int) -> None:
    for target in pids:
        try:
            os.kill(target, sig)
        except ProcessLookupError:
            pass


def _stop_tree(pid: int, master: int, tree: ProcessTree) -> None:
    """Terminate the program and everything it started, then reap it.

    SIGTERM first, so a program can restore the terminal as it would on a real one; output is drained
    meanwhile so a program writing its goodbye never blocks on a full pty. SIGKILL after 3 s, and for any
    member of the tree still alive once the leader has gone.
    """
    members = [pid] + [m.pid for m in tree.members() if m.pid != pid]
    _signal_all(members, signal.SIGTERM)
    deadline = time.monotonic() + 3.0
    reaped = False
    while time.monotonic() < deadline and not reaped:
        if select.select([master], [], [], 0.02)[0]:
            try:
                os.read(master, 65536)
            except OSError:
                pass
        reaped = os.waitpid(pid, os.WNOHANG)[0] != 0
    # Looked up afresh (same session or descendant), so a pid freed and reused meanwhile is never hit.
    survivors = {m.pid for m in tree.members()} | ({pid} if not reaped else set())
    _signal_all(sorted(survivors), signal.SIGKILL)
    if not reaped:
        os.waitpid(pid, 0)
    # The next case must not share the machine with this one's leftovers: wait until they are gone.
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and any(m.state != "Z" for m in tree.members() if m.pid != pid):
        time.sleep(0.02)


def run(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    cols: int = 120,
    rows: int = 40,
    warmup: float = 5.0,
    duration: float = 20.0,
    data_pattern: str | None = None,
    keys: bytes = b"",
    settle: float = 1.0,
    gap_seconds: float = DEFAULT_GAP_SECONDS,
    until_exit: bool = False,
    answers: Mapping[bytes, bytes] | None = None,
    cwd: str | None = None,
) -> RunResult:
    """Run `argv` in a cols x rows pty for warm-up + duration seconds, then stop its process tree.

    With `until_exit` the program is left to end by itself (bounded by warm-up + duration all the same) and
    the window is the whole run: that is how start-up is timed.
    """
    data_re = re.compile(data_pattern) if data_pattern else None
    window_start = 0.0 if until_exit else warmup + (settle if keys else 0.0)
    deadline = (warmup + duration) if until_exit else window_start + duration
    t0 = time.monotonic()
    pid, master = _spawn(argv, env, cwd, cols, rows)
    tree = ProcessTree(pid)
    screen = ScreenText()
    chunks: list[Chunk] = []
    recent_text = ""
    previous_raw = b""
    first_data: float | None = None
    queries: list[str] = []
    cpu_at_start: TreeSample | None = None
    cpu_seconds: float | None = None
    exit_status: int | None = None
    exited_at: float | None = None
    keys_sent = not keys
    next_sample = SAMPLE_EVERY_SECONDS
    try:
        while True:
            now = time.monotonic() - t0
            if now >= deadline:
                if cpu_at_start is not None and not until_exit:
                    cpu_seconds = tree.sample().cpu_seconds - cpu_at_start.cpu_seconds
                break
            if not keys_sent and now >= warmup:
                os.write(master, keys)
                keys_sent = True
            if cpu_at_start is None and not until_exit and now >= window_start:
                cpu_at_start = tree.sample()
            if now >= next_sample:
                tree.sample()
                next_sample = now + SAMPLE_EVERY_SECONDS
            wakes = [deadline, next_sample]
            if not keys_sent:
                wakes.append(warmup)
            if cpu_at_start is None and not until_exit:
                wakes.append(window_start)
            ready, _, _ = select.select([master], [], [], max(0.0, min(wakes) - now))
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: nobody holds the pty's other side any more (the program ended)
                data = b""
            if not data:
                _, status, usage = os.wait4(pid, 0)
                exit_status = os.waitstatus_to_exitcode(status)
                exited_at = time.monotonic() - t0
                if until_exit:  # the kernel's final accounting: the program and its waited-for children
                    cpu_seconds = usage.ru_utime + usage.ru_stime
                break
            at = time.monotonic() - t0
            chunks.append(Chunk(at, len(data)))
            scan = previous_raw + data  # a query cut between two reads is still seen
            for name, pattern in QUERIES.items():
                if name not in queries and pattern.search(scan):
                    queries.append(name)
            for query, reply in (answers or {}).items():
                for _ in range(scan.count(query) - previous_raw.count(query)):
                    os.write(master, reply)
            previous_raw = data[-32:]
            recent_text = (recent_text + screen.feed(data))[-4096:]
            if first_data is None and data_re is not None and data_re.search(recent_text):
                first_data = at
    finally:
        if exited_at is None:
            _stop_tree(pid, master, tree)
        os.close(master)

    window_end = exited_at if exited_at is not None else deadline
    frames = [f for f in group_frames(chunks, gap_seconds) if window_start <= f.start < window_end]
    return RunResult(
        window_seconds=max(0.0, window_end - window_start),
        window_bytes=sum(c.size for c in chunks if window_start <= c.at < window_end),
        frames=frames,
        cpu_seconds=cpu_seconds,
        peak_rss_bytes=tree.peak_rss_bytes,
        first_data_seconds=first_data,
        exit_status=exit_status,
        exited_at=exited_at,
        total_bytes=sum(c.size for c in chunks),
        queries_seen=queries,
        tail_text=recent_text[-400:],
    )
