"""The 30 d zoom (issue 15): opening a 30-day window of N domains from the history file, and what it holds in
memory, beside the anchor in the same run: the same window as 5-minute buckets in the engine's store (what the
zoom cost before the long view, taken back in 48c156f at ~275 MB for 1000 domains).

    .venv/bin/python bench/longview.py                    # 1000 domains x 31 days on disk (~2-4 minutes)
    .venv/bin/python bench/longview.py --domains 100      # a quick look

The history file is generated with bench/history.py's worst case (every domain active all day, integer bit/s
on a diurnal curve with +-10 % noise), day rows packed with livetop's codec and written with executemany.
The live store holds each domain's last 24 h (as the engine does at a long zoom), loaded from the same file.
Prints one markdown table to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from history import END, STEP, curve  # noqa: E402  (bench/history.py)

from livetop.clock import ManualClock  # noqa: E402
from livetop.engine.store import DomainKey, Store  # noqa: E402
from livetop.history.codec import encode  # noqa: E402
from livetop.history.longview import LOAD_CHUNK, LongView  # noqa: E402
from livetop.history.store import DAY, History  # noqa: E402

NOW = END + 12 * 3600  # noon: the window spans 31 day rows


def generate(path: Path, domains: int, days: int, rng: random.Random) -> None:
    h = History(path, ManualClock(datetime.fromtimestamp(NOW, tz=timezone.utc)), retention_seconds=400 * DAY)
    db = h.db
    db.execute("BEGIN")
    for d in range(domains):
        sid = db.execute("INSERT INTO series (vendor, account, domain) VALUES ('huawei', 'acct', ?)",
                         (f"play{d:04d}.example.com",)).lastrowid
        rows = []
        for day in range(NOW // DAY - days, NOW // DAY + 1):
            base = day * DAY
            end = min(base + DAY, NOW - 900)
            offsets = list(range(0, end - base, STEP))
            pairs = [curve(d, base + o, rng) for o in offsets]
            rows.append((sid, day, encode(offsets, [b for b, _ in pairs]), encode(offsets, [t for _, t in pairs]),
                         NOW))
        db.executemany("INSERT INTO points VALUES (?, ?, ?, ?, ?)", rows)
        if d % 50 == 49:
            print(f"\rgenerating domain {d + 1}/{domains}", end="", file=sys.stderr)
    db.execute("COMMIT")
    print(file=sys.stderr)
    h.close()


def live_store(history: History, clock, domains: int) -> Store:
    store = Store(clock, DAY, stale_after_seconds=60)
    for d in range(domains):
        key = DomainKey("acct", f"play{d:04d}.example.com")
        store.ensure(key, "huawei", None, bucket_seconds=STEP, settle_seconds=600)
        (bt, bv), (tt, tv) = history.read_arrays(key.account, key.domain, NOW - DAY, NOW)
        store.preload(key, (bt, bv), (tt, tv))
    return store


async def open_view(history: History, store: Store, window: int) -> tuple[float, float, float, LongView]:
    """(seconds to the first chunk of domains on screen, seconds to all, CPU seconds to all, the view)."""
    view = LongView(history, store, window)
    first: list[float] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    view.on_loaded.append(lambda keys: first.append(time.perf_counter() - t0) if not first else None)
    view.start()
    await view._task
    snap = view.snapshot()  # the first full frame's data
    assert len(snap.domains) == len(store.keys())
    return first[0], time.perf_counter() - t0, time.process_time() - cpu0, view


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--days", type=int, default=31)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    rng = random.Random(15)
    tmp = Path(tempfile.mkdtemp(prefix="livetop-bench-longview-"))
    path = tmp / "history.sqlite"
    generate(path, args.domains, args.days, rng)
    clock = ManualClock(datetime.fromtimestamp(NOW, tz=timezone.utc))
    history = History(path, clock, retention_seconds=400 * DAY)
    store = live_store(history, clock, args.domains)
    rows = []

    for window, name in ((7 * DAY, "7d"), (30 * DAY, "30d")):
        firsts, walls, cpus = [], [], []
        for _ in range(args.runs):
            first, wall, cpu, view = asyncio.run(open_view(history, store, window))
            firsts.append(first)
            walls.append(wall)
            cpus.append(cpu)
        rows.append((f"open the {name} zoom: {args.domains} domains read from disk and rolled up, median of "
                     f"{args.runs}: first {LOAD_CHUNK} domains on screen / all (wall) / all (CPU)",
                     f"{statistics.median(firsts):.2f} s / {statistics.median(walls):.2f} s / "
                     f"{statistics.median(cpus):.2f} s", ""))

    # Memory: the long view's arrays (tracemalloc: what it allocated and keeps) vs the same 30 days as
    # 5-minute buckets in the engine's store (the anchor).
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, _, _, view = asyncio.run(open_view(history, store, 30 * DAY))
    snap = view.snapshot()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    del snap

    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    anchor = Store(clock, 30 * DAY, stale_after_seconds=60)
    for d in range(args.domains):
        key = DomainKey("acct", f"play{d:04d}.example.com")
        anchor.ensure(key, "huawei", None, bucket_seconds=STEP, settle_seconds=600)
        anchor.preload(key, *history.read_arrays(key.account, key.domain, NOW - 30 * DAY, NOW))
    anchor_held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    rows.append((f"memory for the 30d window of {args.domains} domains (tracemalloc, kept after the first "
                 "frame's snapshot)",
                 f"{held / 1e6:.1f} MB (arrays: {view.memory_bytes() / 1e6:.1f} MB)",
                 f"{anchor_held / 1e6:.0f} MB (5-minute buckets in the engine's store)"))
    rows.append(("max RSS of this benchmark process", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3:.0f} MB",
                 ""))
    history.close()

    print(f"| figure ({args.domains} domains, {args.days} days on disk, load average "
          f"{os.getloadavg()[0]:.1f}) | long view (livetop) | anchor |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
