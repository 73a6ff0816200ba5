"""History store figures (issue 15): file size for N domains x D days, write cost per poll cycle, and the
start-up read of a full 24 h window from disk, each beside its anchor (one row per point) in the same run.

    .venv/bin/python bench/history.py                  # 1000 domains x 90 days (a few minutes)
    .venv/bin/python bench/history.py --domains 100 --days 7    # a quick look

Synthetic worst case as in operations.md §3c: every domain active all day, integer bit/s on a diurnal curve
with +-10 % noise, traffic = bandwidth x 300 / 8 +-3 %. Prints one markdown table to stdout.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from livetop.clock import ManualClock  # noqa: E402
from livetop.engine.store import DomainKey, Store  # noqa: E402
from livetop.history.store import DAY, History  # noqa: E402

STEP = 300
END = int(datetime(2026, 11, 20, tzinfo=timezone.utc).timestamp())  # a day boundary


def curve(domain: int, ts: int, rng: random.Random) -> tuple[int, int]:
    base = 2e8 + (domain * 7919 % 1000) * 2e6
    hour = (ts % DAY) / 3600
    shape = 0.3 + 0.7 * (1 - math.cos(2 * math.pi * (hour - 4) / 24)) / 2
    bw = int(base * shape * rng.uniform(0.9, 1.1))
    return bw, int(bw * STEP / 8 * rng.uniform(0.97, 1.03))


def day_batch(domains: int, day: int, rng: random.Random):
    start = END - day * DAY
    for d in range(domains):
        bw, tr = [], []
        for ts in range(start, start + DAY, STEP):
            b, t = curve(d, ts, rng)
            bw.append((ts, b))
            tr.append((ts, t))
        yield ("huawei", "acct", f"play{d:04d}.example.com", bw, tr)


def file_size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def anchor_db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS p (series INTEGER, ts INTEGER, bw INTEGER, traffic INTEGER, "
               "PRIMARY KEY (series, ts)) WITHOUT ROWID")
    return db


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--anchor-days", type=int, default=7, help="days written to the row-per-point anchor (x days/N)")
    ap.add_argument("--cycles", type=int, default=20, help="poll cycles timed for the write cost")
    args = ap.parse_args()
    rng = random.Random(15)
    tmp = Path(tempfile.mkdtemp(prefix="livetop-bench-history-"))
    clock = ManualClock(datetime.fromtimestamp(END, tz=timezone.utc))
    rows = []

    # 1. size: the packed store for the whole span; the anchor for a few days, scaled.
    path = tmp / "history.sqlite"
    h = History(path, clock, retention_seconds=400 * DAY)
    began = time.perf_counter()
    for day in range(args.days, 0, -1):
        h.write(day_batch(args.domains, day, rng))
        print(f"\rwriting day {args.days - day + 1}/{args.days}", end="", file=sys.stderr)
    print(file=sys.stderr)
    fill_s = time.perf_counter() - began
    h.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    packed = file_size(path)
    points = args.domains * args.days * DAY // STEP
    anchor_path = tmp / "anchor.sqlite"
    adb = anchor_db(anchor_path)
    for day in range(args.anchor_days, 0, -1):
        adb.execute("BEGIN")
        for i, (_, _, _, bw, tr) in enumerate(day_batch(args.domains, day, rng)):
            adb.executemany("INSERT OR REPLACE INTO p VALUES (?, ?, ?, ?)",
                            [(i, ts, b, t) for (ts, b), (_, t) in zip(bw, tr)])
        adb.execute("COMMIT")
    adb.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    anchor_size = file_size(anchor_path) * args.days / args.anchor_days
    rows.append(("history size, %d domains x %d days (bandwidth + traffic, 5-min buckets)" % (args.domains, args.days),
                 f"{packed / 1e6:.0f} MB ({packed / points:.1f} B/point)",
                 f"{anchor_size / 1e6:.0f} MB ({anchor_size / points:.1f} B/point; {args.anchor_days} d measured, scaled)"))

    # 2. write cost per poll cycle: "today" is half written (00:00-12:00 UTC), as on a running system; each
    # cycle every domain gains its next settled bucket (the steady state: appended to today's row), then the
    # same cycle with a bucket revised in the middle of the row (decoded, merged, re-encoded).
    h.close()
    today = END
    h = History(path, ManualClock(datetime.fromtimestamp(END + DAY // 2, tz=timezone.utc)), retention_seconds=400 * DAY)
    h.write((v, a, d, bw[:144], tr[:144]) for v, a, d, bw, tr in day_batch(args.domains, 0, rng))
    packed_times, revise_times, anchor_times = [], [], []
    for cycle in range(args.cycles):
        ts = today + (144 + cycle) * STEP
        # Each domain's next bucket on its own curve, both metrics (a traffic of 1 byte after gigabytes, as this
        # once wrote, made every append too wide for its row and measured the re-encode path instead).
        batch = [("huawei", "acct", f"play{d:04d}.example.com", [(ts, bw)], [(ts, tr)])
                 for d in range(args.domains) for bw, tr in [curve(d, ts, rng)]]
        t0 = time.perf_counter()
        h.write(batch)
        packed_times.append(time.perf_counter() - t0)
        revised = [(v, a, d, [(today + 60 * STEP, 7)], []) for v, a, d, _, _ in batch]
        t0 = time.perf_counter()
        h.write(revised)
        revise_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        adb.execute("BEGIN")
        adb.executemany("INSERT OR REPLACE INTO p VALUES (?, ?, ?, ?)", [(d, ts, 1, 1) for d in range(args.domains)])
        adb.execute("COMMIT")
        anchor_times.append(time.perf_counter() - t0)
    rows.append(("write one poll cycle (1 new settled bucket x %d domains, one transaction), median" % args.domains,
                 f"{statistics.median(packed_times) * 1000:.0f} ms", f"{statistics.median(anchor_times) * 1000:.0f} ms"))
    rows.append(("write one revised old bucket x %d domains (row decoded and re-encoded), median" % args.domains,
                 f"{statistics.median(revise_times) * 1000:.0f} ms", "(same as above)"))

    # 3. start-up: a full 24 h window for every domain, from disk into the engine's store.
    h.close()
    start, end = END - 2 * DAY + 3600, END - DAY + 3600  # 24 h across two day rows, like a real "now"
    runs, anchor_runs = [], []
    for _ in range(3):
        clock2 = ManualClock(datetime.fromtimestamp(end, tz=timezone.utc))
        t0 = time.perf_counter()
        h = History(path, clock2, retention_seconds=400 * DAY)
        store = Store(clock2, DAY, 60)
        for d in range(args.domains):
            key = DomainKey("acct", f"play{d:04d}.example.com")
            store.ensure(key, "huawei", None)
            store.preload(key, *h.read_arrays(key.account, key.domain, start, end))
        store.snapshot()
        runs.append(time.perf_counter() - t0)
        h.close()
        assert len(store.domain(key).bandwidth) == 288, len(store.domain(key).bandwidth)
        t0 = time.perf_counter()
        a = sqlite3.connect(anchor_path)
        for d in range(args.domains):
            a.execute("SELECT ts, bw, traffic FROM p WHERE series = ? AND ts >= ? AND ts < ?",
                      (d, start, end)).fetchall()
        a.close()
        anchor_runs.append(time.perf_counter() - t0)
    rows.append(("start-up: 24 h window of %d domains read from disk into the store, median of 3" % args.domains,
                 f"{statistics.median(runs):.2f} s", f"{statistics.median(anchor_runs):.2f} s (the SELECTs alone)"))

    print(f"| figure | packed day rows (livetop) | anchor: one row per point |\n|---|---|---|")
    for name, ours, anchor in rows:
        print(f"| {name} | {ours} | {anchor} |")
    print(f"\nfilling {args.days} days took {fill_s:.0f} s; files in {tmp} (delete when done)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
