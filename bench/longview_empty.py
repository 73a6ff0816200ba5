"""The first 30 d zoom on an EMPTY history file (issue 15 follow-up): the CPU the long view spends while its
domains are read from disk, re-snapshotted on every change as the TUI does, N domains with 24 h in the live
store. Run it against two checkouts side by side (this one and an anchor) in one go:

    .venv/bin/python bench/longview_empty.py --domains 1000 --repo . --repo /work/main

Each repo runs in its own interpreter (its own `livetop` package first on sys.path). Prints one markdown table.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

CHILD = r'''
import asyncio, random, sys, tempfile, time
from datetime import datetime, timezone
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from livetop.clock import ManualClock
from livetop.engine.store import DomainKey, Store
from livetop.history.longview import LongView
from livetop.history.store import DAY, History

N, NOW = int(sys.argv[2]), 1795176000
clock = ManualClock(datetime.fromtimestamp(NOW, tz=timezone.utc))
store = Store(clock, DAY, stale_after_seconds=60)
rng = random.Random(1)
for d in range(N):
    key = DomainKey("acct", f"play{d:04d}.example.com")
    store.ensure(key, "huawei", None, bucket_seconds=300, settle_seconds=600)
    ts = list(range(NOW - DAY, NOW - 600, 300))
    store.preload(key, (ts, [rng.random() * 1e9 for _ in ts]), (ts, [rng.random() * 1e10 for _ in ts]))
history = History(Path(tempfile.mkdtemp()) / "h.sqlite", clock)

async def main():
    view = LongView(history, store, 30 * DAY)
    frames = 0
    def changed(keys):
        nonlocal frames
        view.snapshot()
        frames += 1
    view.subscribe(changed)
    cpu = time.process_time()
    view.start()
    await view._task
    view.snapshot()
    print(f"{time.process_time() - cpu:.2f} {frames}")
asyncio.run(main())
'''


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--domains", type=int, default=1000)
    ap.add_argument("--repo", action="append", default=[])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"| checkout | CPU to open 30 d on an empty history, {args.domains} domains (median of {args.runs}) "
          "| snapshots |")
    print("|---|---|---|")
    for repo in args.repo or ["."]:
        cpus, frames = [], ""
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", CHILD, repo, str(args.domains)], capture_output=True,
                                 text=True, check=True).stdout.split()
            cpus.append(float(out[0]))
            frames = out[1]
        cpus.sort()
        print(f"| {repo} | {cpus[len(cpus) // 2]:.2f} s | {frames} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
