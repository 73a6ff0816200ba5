"""CPU time and resident memory of a process tree, read from /proc (Linux only).

The tree is the leader, every process whose parent chain leads to it, and every process in its session (the
harness makes the leader a session leader, so helpers that double-fork are still counted while they live).
CPU of children that have exited and been waited for is already folded into their parent's cutime/cstime, so
summing utime+stime+cutime+cstime over the live members gives a total that keeps growing as children come
and go. A grandchild orphaned to init and reaped there is lost; none of the benchmarked programs does that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    state: str  # R, S, D, Z, ...
    ppid: int
    session: int
    cpu_ticks: int  # utime + stime + cutime + cstime
    own_cpu_ticks: int  # utime + stime: this process's threads only
    rss_bytes: int


def read_stat(pid: int) -> ProcStat | None:
    """One process's /proc/PID/stat, or None when it has gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    fields = raw[raw.rindex(b")") + 2 :].split()
    # fields[0] is field 3 (state) of proc(5), so field N is fields[N - 3].
    own = int(fields[11]) + int(fields[12])  # utime stime
    ticks = own + int(fields[13]) + int(fields[14])  # + cutime cstime
    rss = int(fields[21]) * PAGE_BYTES
    return ProcStat(pid, fields[0].decode(), int(fields[1]), int(fields[3]), ticks, own, rss)


def high_water_rss_bytes(pid: int) -> int:
    """The kernel's own peak resident set (VmHWM) of one process; 0 when it has gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass(frozen=True)
class TreeSample:
    cpu_ticks: int  # the whole tree
    leader_cpu_ticks: int  # the leader's own threads, without its children
    rss_bytes: int
    pids: frozenset[int]

    @property
    def cpu_seconds(self) -> float:
        return self.cpu_ticks / CLOCK_TICKS_PER_SECOND

    @property
    def leader_cpu_seconds(self) -> float:
        return self.leader_cpu_ticks / CLOCK_TICKS_PER_SECOND


class ProcessTree:
    """Samples one tree; keeps the peak resident memory seen across samples, of the tree and of the leader."""

    def __init__(self, leader: int) -> None:
        self.leader = leader
        self.peak_rss_bytes = 0
        self.leader_peak_rss_bytes = 0

    def members(self) -> list[ProcStat]:
        stats = []
        for name in os.listdir("/proc"):
            if name.isdigit():
                stat = read_stat(int(name))
                if stat is not None:
                    stats.append(stat)
        by_pid = {s.pid: s for s in stats}
        inside: dict[int, bool] = {}

        def in_tree(pid: int) -> bool:
            chain = []
            while pid not in inside:
                stat = by_pid.get(pid)
                if stat is None or pid <= 1:
                    inside[pid] = False
                    break
                if pid == self.leader or stat.session == self.leader:
                    inside[pid] = True
                    break
                chain.append(pid)
                pid = stat.ppid
            verdict = inside[pid]
            for p in chain:
                inside[p] = verdict
            return verdict

        return [s for s in stats if in_tree(s.pid)]

    def sample(self) -> TreeSample:
        members = self.members()
        rss = sum(m.rss_bytes for m in members)
        # VmHWM catches a spike between two samples for any single process.
        hwm = {m.pid: high_water_rss_bytes(m.pid) for m in members}
        self.peak_rss_bytes = max(self.peak_rss_bytes, rss, *hwm.values(), 0)
        leader = next((m for m in members if m.pid == self.leader), None)
        if leader is not None:
            self.leader_peak_rss_bytes = max(self.leader_peak_rss_bytes, leader.rss_bytes, hwm[leader.pid])
        return TreeSample(
            sum(m.cpu_ticks for m in members),
            leader.own_cpu_ticks if leader is not None else 0,
            rss,
            frozenset(m.pid for m in members),
        )
