"""The 7 d and 30 d zooms: windows longer than the engine holds, served from the history file.

Holding 30 days of 5-minute buckets for a thousand domains in the engine's store would cost ~275 MB; this
view holds each domain's window rolled up to a coarse step (1 h for 7 d, 4 h for 30 d: livetop.history.rollup)
and reads like the store to whoever draws it: `snapshot()`, `domain(key)`, `version`, `window_seconds`,
`clock`, `subscribe`. The figures it serves are exact or marked:

- Peak, average and traffic come from the coarse buckets (max of maxima, sums of sums), as computed from
  the 5-minute buckets. The 95th percentile needs the buckets themselves: `domain(key)` (the drilldown) reads
  them from disk off the event loop and says "computing…" until they are in; `snapshot()` (the overview, which
  shows no p95) leaves it out.
- The window is split at `disk_edge`, a few hours after the start of the engine's live store (kept at 24 h
  while a long zoom is shown): before it, the history file (read once, in a worker thread, a chunk of
  domains at a time, so the screen fills in as it goes); from it on, the live store, whose newest buckets
  are provisional: drawn as such and left out of the figures, as in the shorter zooms. The recorder writes
  only buckets the live store holds, so the disk part changes under the view only by its own backfill; as
  the live window moves on, the edge follows it (`_advance`, the few hours between, read from disk).
- A domain whose window the disk does not fully hold is `window_complete = False` (the screen says
  "filling…") until the backfill (livetop.history.backfill) has asked the vendor for the missing buckets; a
  bucket the vendor had no data for either is not waited for again.
- Account and grand totals: the peak of a sum is not the sum of peaks, so the disk part of each total is
  summed bucket by bucket as the domains are read (one dense array per account, ~70 KB for 30 days), then
  rolled up; the live part is the store's own total.

No Textual here: the TUI adapts it (livetop.ui.app), and any other front end could.
"""

from __future__ import annotations

import asyncio
import contextlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable
from itertools import repeat
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from math import gcd
from types import MappingProxyType

from livetop.engine.series import SeriesView, percentile_95
from livetop.engine.store import CHANGE_BUCKETS, DomainKey, DomainSnapshot, Store, StoreSnapshot
from livetop.engine.totals import TotalSnapshot
from livetop.history.rollup import Coarse, incomplete, rollup
from livetop.history.store import DAY, History

LONG_WINDOWS = (7 * DAY, 30 * DAY)
LIVE_WINDOW = DAY  # what the engine holds while a long zoom is shown
DISK_MARGIN = 4 * 3600  # the disk part ends this long after the live window's start...
ADVANCE_BEFORE = 2 * 3600  # ... and moves on when the live window's start comes this close to it
LOAD_CHUNK = 25  # domains read per worker-thread call: the screen fills in as they land
P95_KEEP = 4  # domains whose 5-minute values are kept for the 95th percentile (the drilldowns opened)
COMPUTING = "computing…"

Listener = Callable[[frozenset[DomainKey]], None]


def long_step(window_seconds: int) -> int:
    """The coarse step for a window: ~170-180 buckets, finer than any sparkline or chart column."""
    return 3600 if window_seconds <= 7 * DAY else 4 * 3600


@dataclass(frozen=True, slots=True)
class LongDomainSnapshot(DomainSnapshot):
    """A domain over a long window: coarse series and window figures; what is about *now* (the newest bucket,
    its change, whether it is provisional) is the live store's, kept in `live`."""

    live: DomainSnapshot | None = None
    p95_note: str = ""  # why p95_bps is None: COMPUTING, or "" (no data)

    def change_over(self, buckets: int = CHANGE_BUCKETS) -> float | None:
        return self.live.change_over(buckets) if self.live is not None else None

    @property
    def change_ratio(self) -> float | None:
        return self.change_over(CHANGE_BUCKETS)

    @property
    def now_provisional(self) -> bool:
        return self.live.now_provisional if self.live is not None else False

    @property
    def newest_settled(self) -> datetime | None:
        return self.live.newest_settled if self.live is not None else None

    @property
    def newest_settled_bps(self) -> float | None:
        return self.live.newest_settled_bps if self.live is not None else None


_FIELDS = tuple(f.name for f in fields(DomainSnapshot))


class _Dense:
    """Bucket-wise sums of an account's domains over the disk part, and how many domains each holds."""

    __slots__ = ("start", "grid", "values", "members")

    def __init__(self, start: int, end: int, grid: int) -> None:
        self.start, self.grid = start, grid
        n = max(0, (end - start) // grid)
        self.values = array("d", bytes(8 * n))
        self.members = array("i", bytes(4 * n))

    def add(self, times, values, sign: int = 1) -> None:
        start, grid, n = self.start, self.grid, len(self.values)
        count = len(times)
        if count and (times[0] - start) % grid == 0 and times[-1] - times[0] == (count - 1) * grid:
            i = (times[0] - start) // grid  # one unbroken run (the usual case): added in C
            if i >= 0 and i + count <= n:
                self.values[i:i + count] = array("d", map(float.__add__, self.values[i:i + count],
                                                         map(float, values) if sign > 0 else (-v for v in values)))
                self.members[i:i + count] = array("i", map(int.__add__, self.members[i:i + count], repeat(sign, count)))
                return
        for t, v in zip(times, values):
            i, off = divmod(t - start, grid)
            if off == 0 and 0 <= i < n:
                self.values[i] += sign * v
                self.members[i] += sign

    def coarse(self, step: int, lo: int, hi: int) -> Coarse:
        grid, start = self.grid, self.start
        i0, i1 = max(0, (lo - start) // grid), min(len(self.values), max(0, (hi - start) // grid))
        times = [start + i * grid for i in range(i0, i1) if self.members[i] > 0]
        values = [self.values[i] for i in range(i0, i1) if self.members[i] > 0]
        return rollup(times, values, step)


class _Part:
    """One domain's disk part: coarse bandwidth and traffic in [start, edge)."""

    __slots__ = ("bw", "tr", "version", "asked")

    def __init__(self, bw: Coarse, tr: Coarse) -> None:
        self.bw, self.tr = bw, tr
        self.version = 0
        self.asked: list[tuple[int, int]] = []  # ranges the vendor was asked for (backfill): not waited on again


def _aligned(ts: int, step: int) -> int:
    return ts - ts % step


def _sparse(coarse: Coarse) -> SeriesView:
    return SeriesView(coarse.times, coarse.peak)


class LongView:
    """One long window (7 d or 30 d) over the live `store`, from the `history` file. Create it on the event
    loop; `start()` begins reading the disk; `close()` stops."""

    def __init__(self, history: History, store: Store, window_seconds: int) -> None:
        self.history = history
        self.store = store
        self.clock = store.clock
        self.window_seconds = window_seconds
        self.step = step = long_step(window_seconds)
        now = int(self.clock.now().timestamp())
        self.start_ts = _aligned(now - window_seconds, step)  # oldest bucket read from disk
        self.disk_edge = self._edge_for(now)
        self._parts: dict[DomainKey, _Part] = {}
        self._dense: dict[str, _Dense] = {}
        self._grand: Coarse = Coarse(step)
        self._totals: dict[str, Coarse] = {}
        self._version = 0
        self._listeners: list[Listener] = []
        self._task: asyncio.Task | None = None
        self._p95_values: dict[DomainKey, tuple[int, array]] = {}  # key -> (part version, disk values)
        self._p95_tasks: dict[DomainKey, asyncio.Task] = {}
        self._cache: dict[DomainKey, tuple[tuple, LongDomainSnapshot]] = {}
        self._total_cache: dict[str | None, tuple[tuple, TotalSnapshot]] = {}
        self.loaded = 0  # domains read from disk so far
        self.on_loaded: list[Callable[[list[DomainKey]], None]] = []  # the backfill listens
        self.read_seconds = 0.0

    # --- the store-like face -----------------------------------------------------------------------------

    def __getattr__(self, name: str):
        """What else the screens ask of a store (its capacity notes, per-domain staleness...) is the live
        store's: the long view changes the window's figures, not those."""
        if name == "store":
            raise AttributeError(name)
        return getattr(self.store, name)

    @property
    def version(self) -> int:
        return self.store.version + self._version

    @property
    def stale_after_seconds(self) -> float:
        return self.store.stale_after_seconds

    def keys(self) -> list[DomainKey]:
        return self.store.keys()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _changed(self, keys: Iterable[DomainKey]) -> None:
        self._version += 1
        keys = frozenset(keys)
        for listener in list(self._listeners):
            listener(keys)

    @property
    def complete_load(self) -> bool:
        return self.loaded >= len(self.store.keys())

    def _edge_for(self, now: int) -> int:
        return _aligned(now - LIVE_WINDOW + DISK_MARGIN, self.step)

    def view_start(self, now_ts: int) -> int:
        return _aligned(now_ts - self.window_seconds, self.step)

    # --- reading the disk ------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._load(), name="long view load")

    async def close(self) -> None:
        for task in [self._task, *self._p95_tasks.values()]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._task = None
        self._p95_tasks.clear()
        self._listeners.clear()

    async def _load(self) -> None:
        keys = self.store.keys()
        grid = 0
        for key in keys:
            timing = self.store.timing(key)
            grid = gcd(grid, timing[0] if timing else 300)
        accounts = {key.account for key in keys}
        for account in accounts:
            self._dense[account] = _Dense(self.start_ts, self.disk_edge + 2 * DAY, grid or 300)
        loop = asyncio.get_running_loop()
        for i in range(0, len(keys), LOAD_CHUNK):
            chunk = keys[i:i + LOAD_CHUNK]
            began = loop.time()
            parts = await asyncio.to_thread(self._read_parts, chunk)
            self.read_seconds += loop.time() - began
            self._parts.update(parts)
            self.loaded += len(chunk)
            for account in {k.account for k in chunk}:
                self._roll_total(account)
            self._changed(chunk)
            for listener in list(self.on_loaded):
                listener(chunk)

    def _read_parts(self, keys: list[DomainKey], lo: int | None = None, hi: int | None = None
                    ) -> dict[DomainKey, _Part]:
        """(worker thread) Each domain's disk part in [lo, hi) (default: all of it), rolled up; its bandwidth
        added to its account's sums."""
        lo = self.start_ts if lo is None else lo
        hi = self.disk_edge if hi is None else hi
        out = {}
        for key in keys:
            (bt, bv), (tt, tv) = self.history.read_arrays(key.account, key.domain, lo, hi)
            self._dense[key.account].add(bt, bv)
            out[key] = _Part(rollup(bt, bv, self.step), rollup(tt, tv, self.step))
        return out

    def _maybe_advance(self, now: int) -> None:
        """The live window's start nears the disk edge: read the hours between from disk and move the edge."""
        if self._task is not None and not self._task.done():
            return  # still loading (or already advancing)
        if now - LIVE_WINDOW < self.disk_edge - ADVANCE_BEFORE:
            return
        new_edge = self._edge_for(now)
        if new_edge > self.disk_edge:
            self._task = asyncio.get_running_loop().create_task(self._advance(new_edge), name="long view advance")

    async def _advance(self, new_edge: int) -> None:
        keys = [k for k in self.store.keys() if k in self._parts]
        lo = self.disk_edge
        for account in {k.account for k in keys}:
            dense = self._dense[account]
            room = dense.start + len(dense.values) * dense.grid
            if room < new_edge:  # grow by two more days
                grow = (new_edge + 2 * DAY - room) // dense.grid
                dense.values.extend(array("d", bytes(8 * grow)))
                dense.members.extend(array("i", bytes(4 * grow)))
        fresh: dict[DomainKey, _Part] = {}
        for i in range(0, len(keys), LOAD_CHUNK):
            fresh.update(await asyncio.to_thread(self._read_parts, keys[i:i + LOAD_CHUNK], lo, new_edge))
        for key, new in fresh.items():
            part = self._parts[key]
            part.bw, part.tr = part.bw.concat(new.bw), part.tr.concat(new.tr)
            part.version += 1
        self.disk_edge = new_edge
        for account in {k.account for k in keys}:
            self._roll_total(account)
        self._changed(keys)

    def _roll_total(self, account: str) -> None:
        self._totals[account] = self._dense[account].coarse(self.step, self.start_ts, self.disk_edge)
        grand = None
        for dense in self._dense.values():
            if grand is None:
                grand = _Dense(dense.start, dense.start + len(dense.values) * dense.grid, dense.grid)
            grand.values = array("d", map(float.__add__, grand.values, dense.values))
            grand.members = array("i", map(int.__add__, grand.members, dense.members))
        self._grand = grand.coarse(self.step, self.start_ts, self.disk_edge) if grand else Coarse(self.step)

    # --- what the backfill needs ---------------------------------------------------------------------------

    def part_loaded(self, key: DomainKey) -> bool:
        return key in self._parts

    def missing(self, key: DomainKey, oldest: int | None = None) -> list[tuple[int, int]]:
        """The ranges of the disk part the history lacks (whole coarse buckets not full) and the vendor was
        not asked for yet, from `oldest` (the vendor's look-back) on."""
        part = self._parts.get(key)
        timing = self.store.timing(key)
        if part is None or timing is None:
            return []
        lo = self.start_ts if oldest is None else max(self.start_ts, _aligned(oldest + self.step - 1, self.step))
        runs = incomplete(part.bw, lo, self.disk_edge, timing[0])
        runs += incomplete(part.tr, lo, self.disk_edge, timing[0])
        return _subtract(_union(runs), part.asked)

    def mark_asked(self, key: DomainKey, lo: int, hi: int) -> None:
        part = self._parts.get(key)
        if part is not None:
            part.asked = _union([*part.asked, (lo, hi)])
            part.version += 1
            self._changed([key])

    def reread(self, key: DomainKey, lo: int, hi: int, write: Callable[[], object]) -> None:
        """(worker thread) Run `write` (buckets of `key` in [lo, hi) going to disk), then take the new disk
        content of those coarse buckets in: the domain's and its account's. Applied with `apply_reread`."""
        lo, hi = _aligned(lo, self.step), min(self.disk_edge, _aligned(hi + self.step - 1, self.step))
        (bt0, bv0), _ = self.history.read_arrays(key.account, key.domain, lo, hi)
        write()
        (bt, bv), (tt, tv) = self.history.read_arrays(key.account, key.domain, lo, hi)
        return key, lo, hi, (bt0, bv0), (bt, bv), (tt, tv)

    def apply_reread(self, result) -> None:
        key, lo, hi, before, (bt, bv), (tt, tv) = result
        part = self._parts.get(key)
        dense = self._dense.get(key.account)
        if part is None or dense is None or hi <= lo:
            return
        dense.add(*before, sign=-1)
        dense.add(bt, bv)
        part.bw = part.bw.splice(lo, hi, rollup(bt, bv, self.step))
        part.tr = part.tr.splice(lo, hi, rollup(tt, tv, self.step))
        part.version += 1
        self._p95_values.pop(key, None)
        self._roll_total(key.account)
        self._changed([key])

    # --- the 95th percentile (drilldown) --------------------------------------------------------------------

    def _p95_disk(self, key: DomainKey) -> array | None:
        part = self._parts.get(key)
        held = self._p95_values.get(key)
        if part is not None and held is not None and held[0] == part.version:
            return held[1]
        if part is not None and key not in self._p95_tasks:
            self._p95_tasks[key] = asyncio.get_running_loop().create_task(self._read_p95(key, part.version))
        return None

    async def _read_p95(self, key: DomainKey, version: int) -> None:
        try:
            (_, values), _ = await asyncio.to_thread(
                self.history.read_arrays, key.account, key.domain, self.start_ts, self.disk_edge
            )
            self._p95_values[key] = (version, array("d", values))
            while len(self._p95_values) > P95_KEEP:
                self._p95_values.pop(next(iter(self._p95_values)))
        finally:
            self._p95_tasks.pop(key, None)
        self._changed([key])

    # --- snapshots -------------------------------------------------------------------------------------------

    def domain(self, key: DomainKey) -> LongDomainSnapshot | None:
        """One domain, with its 95th percentile (read from disk the first time: "computing…" until then)."""
        live = self.store.domain(key)
        if live is None:
            return None
        now = int(self.clock.now().timestamp())
        return self._domain(live, self.view_start(now), with_p95=True)

    def snapshot(self) -> StoreSnapshot:
        live = self.store.snapshot()
        now = int(live.taken_at.timestamp())
        self._maybe_advance(now)
        start = self.view_start(now)
        domains = tuple(self._domain(d, start) for d in live.domains)
        by_account: dict[str, list[LongDomainSnapshot]] = {}
        for d in domains:
            by_account.setdefault(d.account, []).append(d)
        accounts = tuple(self._total(t, by_account.get(t.account, []), start) for t in live.accounts)
        grand = self._total(live.grand, domains, start, grand=True)
        return StoreSnapshot(
            version=self.version,
            taken_at=live.taken_at,
            window_seconds=self.window_seconds,
            domains=domains,
            accounts=accounts,
            grand=grand,
            by_key=MappingProxyType({d.key: d for d in domains}),
        )

    def _domain(self, live: DomainSnapshot, start: int, with_p95: bool = False) -> LongDomainSnapshot:
        part = self._parts.get(live.key)
        disk_values = self._p95_disk(live.key) if with_p95 else None
        # Not the view's own version: a domain whose part is not read yet is built from the live store alone
        # (rebuilding every unread domain each time a chunk of others landed cost ~20 builds a domain, 8 s
        # of CPU opening 30 d at 1000 domains), and its part's version moves when the part changes.
        tag = (id(live), live.version, live.status, live.settled_before, start, part.version if part else -1,
               self.disk_edge, with_p95, disk_values is not None)
        cached = self._cache.get(live.key)
        if cached is not None and cached[0] == tag and cached[1].live is live:
            return cached[1]
        snap = self._build_domain(live, start, part, with_p95, disk_values)
        self._cache[live.key] = (tag, snap)
        return snap

    def _build_domain(self, live: DomainSnapshot, start: int, part: _Part | None, with_p95: bool,
                      disk_values: array | None) -> LongDomainSnapshot:
        step, edge = self.step, self.disk_edge
        bw_live, tr_live = live.bandwidth, live.traffic
        # The live part: from the disk edge on (the whole live window while the disk is still being read).
        live_from = edge if part is not None else start
        bw_series = rollup(bw_live.times, bw_live.values, step, lo=live_from)
        tr_series = rollup(tr_live.times, tr_live.values, step, lo=live_from)
        settled_bw = live.settled_bandwidth
        settled_tr = live.settled_traffic
        i = bisect_left(settled_bw.times, live_from)
        j = bisect_left(settled_tr.times, live_from)
        live_bw = settled_bw.values[i:]
        live_tr = settled_tr.values[j:]
        peak, peak_at = (max(live_bw), None) if len(live_bw) else (None, None)
        if peak is not None:
            peak_at = settled_bw.times[i + live_bw.tolist().index(peak)]
        bw_sum, bw_n = float(sum(live_bw)), len(live_bw)
        tr_sum, tr_n = float(sum(live_tr)), len(live_tr)
        complete = live.window_complete and (live.covered_from is None
                                             or int(live.covered_from.timestamp()) <= live_from)
        if part is not None:
            disk_bw, disk_tr = part.bw.between(start, edge), part.tr.between(start, edge)
            top, top_at, s, n = disk_bw.figures()
            if top is not None and (peak is None or top > peak):
                peak, peak_at = top, top_at
            bw_sum, bw_n = bw_sum + s, bw_n + n
            _, _, s, n = disk_tr.figures()
            tr_sum, tr_n = tr_sum + s, tr_n + n
            bw_series = disk_bw.concat(bw_series)
            tr_series = disk_tr.concat(tr_series)
            timing = self.store.timing(live.key)
            bucket = timing[0] if timing else live.bucket_seconds
            gaps = _union(incomplete(part.bw, start, edge, bucket) + incomplete(part.tr, start, edge, bucket))
            complete = complete and not _subtract(gaps, part.asked)
        else:
            complete = False  # the disk part is still being read
        p95, note = None, ""
        if with_p95 and bw_n:
            if part is None or disk_values is None:
                note = COMPUTING
            else:
                lo = bisect_left_values_start(part, start)
                p95 = percentile_95([*disk_values[lo:], *live_bw])
        settled_edge = None
        if live.settled_before is not None:
            settled_edge = _aligned(int(live.settled_before.timestamp()), step)
        n_settled = bisect_left(bw_series.times, settled_edge) if settled_edge is not None else len(bw_series)
        n_settled_tr = bisect_left(tr_series.times, settled_edge) if settled_edge is not None else len(tr_series)
        values = {name: getattr(live, name) for name in _FIELDS}
        values.update(
            bandwidth=_sparse(bw_series),
            traffic=SeriesView(tr_series.times, tr_series.total),
            peak_bps=peak,
            peak_at=None if peak_at is None else datetime.fromtimestamp(peak_at, tz=UTC),
            p95_bps=p95,
            mean_bps=bw_sum / bw_n if bw_n else None,
            traffic_bytes=tr_sum if tr_n else None,
            version=live.version + ((part.version + 1 if part else 0) << 32) + (self._version << 20 if with_p95 else 0),
            bucket_seconds=step,
            settled_before=None if settled_edge is None else datetime.fromtimestamp(settled_edge, tz=UTC),
            settled_buckets=n_settled,
            settled_traffic_buckets=n_settled_tr,
            window_complete=complete,
            covered_from=datetime.fromtimestamp(start, tz=UTC) if complete else live.covered_from,
        )
        return LongDomainSnapshot(**values, live=live, p95_note=note)

    def _total(self, live: TotalSnapshot, members, start: int, grand: bool = False) -> TotalSnapshot:
        disk = self._grand if grand else self._totals.get(live.account or "")
        tag = (id(live), start, self._version, tuple(id(m) for m in members))
        cached = self._total_cache.get(live.account if not grand else None)
        if cached is not None and cached[0] == tag:
            return cached[1]
        step, edge = self.step, self.disk_edge
        loaded = all(m.key in self._parts for m in members)
        live_from = edge if loaded and disk is not None else start
        series = rollup(live.bandwidth.times, live.bandwidth.values, step, lo=live_from)
        settled = live.bandwidth.head(live.settled_buckets)
        i = bisect_left(settled.times, live_from)
        part = settled.values[i:]
        peak, peak_at = (max(part), None) if len(part) else (None, None)
        if peak is not None:
            peak_at = settled.times[i + part.tolist().index(peak)]
        if live_from == edge:
            head = disk.between(start, edge)
            top, top_at, _, _ = head.figures()
            if top is not None and (peak is None or top > peak):
                peak, peak_at = top, top_at
            series = head.concat(series)
        traffic = [m.traffic_bytes for m in members if m.traffic_bytes is not None]
        settled_edge = None if live.settled_before is None else _aligned(int(live.settled_before.timestamp()), step)
        total = TotalSnapshot(
            label=live.label,
            account=live.account,
            vendor=live.vendor,
            domains=live.domains,
            errors=live.errors,
            bandwidth=_sparse(series),
            bandwidth_now=live.bandwidth_now,
            peak_bps=peak,
            peak_at=None if peak_at is None else datetime.fromtimestamp(peak_at, tz=UTC),
            traffic_bytes=sum(traffic) if traffic else None,
            settled_before=None if settled_edge is None else datetime.fromtimestamp(settled_edge, tz=UTC),
            provisional_traffic_bytes=live.provisional_traffic_bytes,
            complete=all(m.window_complete or not (len(m.bandwidth) or len(m.traffic)) for m in members),
            api=live.api,
        )
        self._total_cache[live.account if not grand else None] = (tag, total)
        return total

    def memory_bytes(self) -> int:
        """What the coarse series hold (the arrays' payload), for the benchmark."""
        parts = sum(p.bw.nbytes() + p.tr.nbytes() for p in self._parts.values())
        dense = sum(d.values.itemsize * len(d.values) + d.members.itemsize * len(d.members)
                    for d in self._dense.values())
        return parts + dense + sum(c.nbytes() for c in self._totals.values()) + self._grand.nbytes()


def bisect_left_values_start(part: _Part, start: int) -> int:
    """Index of the first disk bucket at or after `start` in the read-back 5-minute values: the p95 read
    starts at the part's first bucket, so it is the count of buckets before `start` (from the coarse counts)."""
    return int(sum(c for t, c in zip(part.bw.times, part.bw.count) if t < start))


def _union(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(runs):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _subtract(runs: list[tuple[int, int]], taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for a, b in runs:
        pieces = [(a, b)]
        for c, d in taken:
            pieces = [p for x, y in pieces for p in ((x, min(y, c)), (max(x, d), y)) if p[0] < p[1]]
        out.extend(pieces)
    return out
