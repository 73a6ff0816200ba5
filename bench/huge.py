"""What one huge vendor answer costs the reader: decoded bytes read, bytes the server got written, and the
client's peak memory, for one fetch of a domain behind each of the simulator's huge-answer faults
(livetop.sim.huge), through `Provider.send` as it is (answers read at most 16 MiB deep), beside the anchor in
the same run: `Provider.send` as it was, `client.request` (httpx reads the whole body; body.py refuses it
after).

    .venv/bin/python bench/huge.py                 # 256 MiB answers; about half a minute
    .venv/bin/python bench/huge.py --mib 1024

The simulator runs in a thread of this process on its own event loop. Peak memory is tracemalloc's over the
fetch: Python allocations (the body, httpx's buffers, the parser's copies); the simulator's blocks are built
once and reused. One markdown table to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

if __name__ == "__main__":
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import httpx

from livetop.clock import SYSTEM_CLOCK
from livetop.config.load import load_config
from livetop.model import VendorError
from livetop.sim.huge import HUGE_FAULTS
from livetop.sim.scenario import parse_scenario
from livetop.sim.server import SimulatorThread
from livetop.vendors.base import Provider, make_client
from livetop.vendors.transport_errors import transport_error
from livetop.vendors.registry import make_provider

_READ = re.compile(r"(?:is|passed) ([\d,]+) bytes")


async def _send_before(self: Provider, method: str, url: str, **kwargs) -> httpx.Response:
    """`Provider.send` before the cap was enforced while reading: httpx buffers the whole body."""
    try:
        return await self.client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise VendorError(transport_error(self.vendor, exc)) from None


def _domain(fault: str) -> str:
    return f"{fault.replace('_', '-')}.example.com"


def _scenario(size: int):
    domains = [{"name": _domain(fault), "fault": fault} for fault in HUGE_FAULTS]
    return parse_scenario({
        "seed": "bench-huge", "latency_ms": 0, "latency_jitter_ms": 0, "huge_bytes": size,
        "accounts": [{"name": "jd", "vendor": "jdcloud", "rate_per_second": 1000.0, "domains": domains}],
    })  # fmt: skip


async def _one(account, fault: str) -> tuple[str, int, float, float]:
    client = make_client(account)
    provider = make_provider(account, client, SYSTEM_CLOCK)
    now = SYSTEM_CLOCK.now()
    tracemalloc.start()
    began = time.perf_counter()
    try:
        await provider.fetch(_domain(fault), now - timedelta(hours=1), now)
        outcome, read = "data (?)", 0
    except VendorError as exc:
        found = _READ.search(f"{exc.error.meaning} {exc.error.raw_message}")
        outcome, read = exc.error.title, int(found.group(1).replace(",", "")) if found else 0
    seconds = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await client.aclose()
    return outcome, read, peak / 2**20, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=256, help="size of each huge answer (inflated), MiB")
    args = parser.parse_args()
    size = args.mib << 20
    rows = []
    with SimulatorThread(_scenario(size), clock=SYSTEM_CLOCK) as thread, tempfile.TemporaryDirectory() as tmp:
        account = load_config(thread.sim.write_config(Path(tmp) / "c.toml", timeout="120s")).accounts[0]
        now_send = Provider.send
        for fault in HUGE_FAULTS:
            for reader, send in (("anchor: Provider.send before", _send_before), ("Provider.send", now_send)):
                Provider.send = send
                try:
                    before = thread.sim.huge.sent[fault]
                    outcome, read, peak, seconds = asyncio.run(_one(account, fault))
                finally:
                    Provider.send = now_send
                sent = thread.sim.huge.sent[fault] - before
                rows.append((fault, reader, outcome, read, sent, peak, seconds))
    print(f"answers of {size:,} bytes (gzip: inflated); cap 16,777,216\n")
    print("| fault | reader | outcome | decoded bytes read | bytes the server wrote | client peak MiB | s |")
    print("|---|---|---|---|---|---|---|")
    for fault, reader, outcome, read, sent, peak, seconds in rows:
        print(f"| {fault} | {reader} | {outcome} | {read:,} | {sent:,} | {peak:.1f} | {seconds:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
