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


@dataclass(frozen=True)
class Plan:
    """How one run goes: start, type `setup_keys` once data shows, warm up until ready, type `keys`, settle,
    then measure for `duration` seconds and stop the program (or, with `until_exit`, let it end by itself).

    Warm-up ends at `warmup` seconds, or, with a `ready_pattern`, `ready_settle` seconds after that pattern
    shows on screen (looked for in what is drawn after the setup keys), whichever is later, and never after
    `max_warmup`: a program that never gets ready is measured anyway and the result says so.
    """

    warmup: float = 5.0
    duration: float = 20.0
    data_pattern: str | None = None
    setup_keys: bytes = b""
    setup_delay: float = 1.0
    ready_pattern: str | None = None
    ready_settle: float = 5.0
    max_warmup: float = 180.0
    keys: bytes = b""
    settle: float = 1.0
    gap_seconds: float = DEFAULT_GAP_SECONDS
    until_exit: bool = False
    stop_on_data: bool = False  # end the run as soon as the data pattern shows (start-up timing)
    answers: Mapping[bytes, bytes] | None = None


@dataclass
class RunResult:
    """What one run measured. Rates and sizes cover the measurement window."""

    window_start: float
    window_seconds: float
    window_bytes: int
    frames: list[Frame]  # frames that started inside the window
    cpu_seconds: float | None  # CPU of the whole tree inside the window
    main_cpu_seconds: float | None  # CPU of the program's own process (not its children) inside the window
    peak_rss_bytes: int  # the tree's, whole run
    main_peak_rss_bytes: int  # the program's own process, whole run
    first_data_seconds: float | None  # start to the read that completed a match of the data pattern
    exit_status: int | None  # None: still running when the harness stopped it
    exited_at: float | None
    total_bytes: int
    queries_seen: list[str] = field(default_factory=list)
    setup_sent_at: float | None = None
    ready_at: float | None = None  # when the ready pattern showed (None: never, or no pattern)
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
        return self._percent(self.cpu_seconds)

    @property
    def main_cpu_percent(self) -> float | None:
        return self._percent(self.main_cpu_seconds)

    def _percent(self, seconds: float | None) -> float | None:
        if seconds is None or self.window_seconds <= 0:
            return None
        return 100.0 * seconds / self.window_seconds


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


class _Run:
    """One program in one pty, driven through the phases of a Plan."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], plan: Plan, cols: int, rows: int,
                 cwd: str | None) -> None:  # fmt: skip
        self.plan = plan
        self.data_re = re.compile(plan.data_pattern) if plan.data_pattern else None
        self.ready_re = re.compile(plan.ready_pattern) if plan.ready_pattern else None
        self.t0 = time.monotonic()
        self.pid, self.master = _spawn(argv, env, cwd, cols, rows)
        self.tree = ProcessTree(self.pid)
        self.screen = ScreenText(cols, rows)
        self.chunks: list[Chunk] = []
        self.recent_text = ""
        self.text_for_ready = ""
        self.previous_raw = b""
        self.queries: list[str] = []
        self.first_data: float | None = None
        self.setup_at: float | None = None  # known once data shows
        self.setup_sent_at: float | None = None
        self.ready_at: float | None = None
        self.keys_sent_at: float | None = None
        self.window_start: float | None = 0.0 if plan.until_exit else None
        self.cpu_at_start: TreeSample | None = None
        self.cpu_seconds: float | None = None
        self.main_cpu_seconds: float | None = None
        self.exit_status: int | None = None
        self.exited_at: float | None = None
        self.next_sample = SAMPLE_EVERY_SECONDS

    def now(self) -> float:
        return time.monotonic() - self.t0

    def warm_end(self) -> float:
        plan = self.plan
        if self.ready_re is None:
            return plan.warmup
        if self.ready_at is None:
            return plan.max_warmup
        return min(plan.max_warmup, max(plan.warmup, self.ready_at + plan.ready_settle))

    def deadline(self) -> float | None:
        if self.plan.until_exit:
            return self.plan.warmup + self.plan.duration
        return None if self.window_start is None else self.window_start + self.plan.duration

    def step(self) -> bool:
        """Do what is due, wait for output or the next due time, take it in; False once the run is over."""
        plan, now = self.plan, self.now()
        deadline = self.deadline()
        if deadline is not None and now >= deadline:
            if self.cpu_at_start is not None:
                end = self.tree.sample()
                self.cpu_seconds = end.cpu_seconds - self.cpu_at_start.cpu_seconds
                self.main_cpu_seconds = end.leader_cpu_seconds - self.cpu_at_start.leader_cpu_seconds
            return False
        if self.setup_at is not None and self.setup_sent_at is None and now >= self.setup_at:
            os.write(self.master, plan.setup_keys)
            self.setup_sent_at = now
        if self.window_start is None and now >= self.warm_end():
            if plan.keys:
                os.write(self.master, plan.keys)
                self.keys_sent_at = now
            self.window_start = now + (plan.settle if plan.keys else 0.0)
        if self.cpu_at_start is None and not plan.until_exit and self.window_start is not None \
                and now >= self.window_start:  # fmt: skip
            self.cpu_at_start = self.tree.sample()
            self.next_sample = now + SAMPLE_EVERY_SECONDS
        elif now >= self.next_sample:
            self.tree.sample()
            self.next_sample = now + SAMPLE_EVERY_SECONDS
        wakes = [self.next_sample]
        measuring_due = self.cpu_at_start is None and not plan.until_exit
        for due in (deadline, self.window_start if measuring_due else None,
                    self.warm_end() if self.window_start is None else None,
                    self.setup_at if self.setup_sent_at is None else None):  # fmt: skip
            if due is not None:
                wakes.append(due)
        if select.select([self.master], [], [], max(0.0, min(wakes) - now))[0]:
            return self.take_output()
        return True

    def take_output(self) -> bool:
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: nobody holds the pty's other side any more (the program ended)
            data = b""
        if not data:
            _, status, usage = os.wait4(self.pid, 0)
            self.exit_status = os.waitstatus_to_exitcode(status)
            self.exited_at = self.now()
            if self.plan.until_exit:  # the kernel's final accounting: the program and its waited-for children
                self.cpu_seconds = self.main_cpu_seconds = usage.ru_utime + usage.ru_stime
            return False
        at = self.now()
        self.chunks.append(Chunk(at, len(data)))
        scan = self.previous_raw + data  # a query cut between two reads is still seen
        for name, pattern in QUERIES.items():
            if name not in self.queries and pattern.search(scan):
                self.queries.append(name)
        for query, reply in (self.plan.answers or {}).items():
            for _ in range(scan.count(query) - self.previous_raw.count(query)):
                os.write(self.master, reply)
        self.previous_raw = data[-32:]
        text = self.screen.feed(data)
        self.recent_text = (self.recent_text + text)[-4096:]
        if self.first_data is None and self.data_re is not None and self.data_re.search(self.recent_text):
            self.first_data = at
            if self.plan.stop_on_data:
                return False
            if self.plan.setup_keys:
                self.setup_at = at + self.plan.setup_delay
        setup_done = not self.plan.setup_keys or self.setup_sent_at is not None
        if self.ready_re is not None and self.ready_at is None and setup_done:
            self.text_for_ready = (self.text_for_ready + text)[-4096:]
            if self.ready_re.search(self.text_for_ready) or any(
                self.ready_re.search(line) for line in self.screen.lines()
            ):
                self.ready_at = at
        return True

    def result(self) -> RunResult:
        start = self.window_start if self.window_start is not None else self.now()
        end = self.exited_at if self.exited_at is not None else (self.deadline() or start)
        frames = [f for f in group_frames(self.chunks, self.plan.gap_seconds) if start <= f.start < end]
        return RunResult(
            window_start=start,
            window_seconds=max(0.0, end - start),
            window_bytes=sum(c.size for c in self.chunks if start <= c.at < end),
            frames=frames,
            cpu_seconds=self.cpu_seconds,
            main_cpu_seconds=self.main_cpu_seconds,
            peak_rss_bytes=self.tree.peak_rss_bytes,
            main_peak_rss_bytes=self.tree.leader_peak_rss_bytes,
            first_data_seconds=self.first_data,
            exit_status=self.exit_status,
            exited_at=self.exited_at,
            total_bytes=sum(c.size for c in self.chunks),
            queries_seen=self.queries,
            setup_sent_at=self.setup_sent_at,
            ready_at=self.ready_at,
            tail_text=self.recent_text[-400:],
        )


def run(argv: Sequence[str], env: Mapping[str, str], plan: Plan, *, cols: int = 120, rows: int = 40,
        cwd: str | None = None) -> RunResult:  # fmt: skip
    """Run `argv` in a cols x rows pty as `plan` says, then stop its whole process tree."""
    session = _Run(argv, env, plan, cols, rows, cwd)
    try:
        while session.step():
            pass
    finally:
        if session.exited_at is None:
            _stop_tree(session.pid, session.master, session.tree)
        os.close(session.master)
    return session.result()
