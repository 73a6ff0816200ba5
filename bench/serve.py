"""One collector, many viewers: what `livetop serve` costs and saves (issue 14).

    .venv/bin/python bench/serve.py                      # 1000 domains, 20 viewers, the figures in bench/README.md
    .venv/bin/python bench/serve.py --domains 100 --viewers 5 --duration 60

The simulator runs in its own process (`livetop simulate --domains N`, the demo scenario scaled, faults kept).
Two phases, each measured over the same window after a warm-up:

1. anchor: one local livetop's engine (the engine the TUI runs, headless: Textual draws, it does not poll)
   polling every domain, alone. Its vendor requests per minute are what one engineer's livetop costs.
2. team: `livetop serve` polling the same domains, alone for one window, then with V headless viewers
   attached to its change feed for another. Each
   viewer is its own process running the viewer's data path (`RemoteSource` + `MirrorStore`, what
   `livetop --remote` runs under its screen); 20 Textual screens would not fit on 2 cores beside the rest.

Measured: vendor requests per minute (the collector's own counters, checked against the simulator-facing
engine's), the collector's CPU, each viewer's CPU and bytes per second received, and the time from a vendor
answer (the request record's time, stamped when the answer was merged into the collector's store) to the
viewer's mirror holding it. A TUI viewer adds its screen's coalescing (at most 0.25 s) and one frame on top.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat", "rb") as f:
        raw = f.read()
    fields = raw[raw.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# --- worker modes (run in their own processes) ----------------------------------------------------------


async def local_engine(config_path: str, warmup: float, duration: float) -> dict:
    from livetop.config.load import load_config
    from livetop.engine import Engine
    from livetop.ui.feed import wait_for_first_data

    engine = Engine(load_config(config_path))
    await engine.start()
    await wait_for_first_data(engine.store, 120)
    await asyncio.sleep(warmup)

    def requests() -> int:
        return sum(sum(c.by_code.values()) for c in engine.store.counters.accounts.values())

    r0, c0, t0 = requests(), own_cpu(), time.monotonic()
    await asyncio.sleep(duration)
    r1, c1, t1 = requests(), own_cpu(), time.monotonic()
    await engine.stop()
    return {"requests_per_minute": (r1 - r0) * 60 / (t1 - t0), "cpu_percent": 100 * (c1 - c0) / (t1 - t0)}


async def viewer(url: str, duration: float) -> dict:
    from livetop.remote.source import RemoteSource

    source = RemoteSource(url)
    latencies: list[float] = []
    measuring = False
    apply = source.store.apply

    def timed_apply(body: dict, whole: bool) -> None:
        apply(body, whole)
        if not measuring or whole:
            return
        now = time.time()
        for record in body.get("domains", ()):
            added = (record.get("requests") or {}).get("add") or ()
            if added:
                latencies.append(now - added[-1][0])

    source.store.apply = timed_apply  # type: ignore[method-assign]
    await source.start()
    if not await source.wait_connected(60):
        return {"error": f"not connected: {source.problem}"}
    await asyncio.sleep(2)
    measuring = True
    b0, c0, t0, e0 = source.bytes_received, own_cpu(), time.monotonic(), source.events
    await asyncio.sleep(duration)
    b1, c1, t1, e1 = source.bytes_received, own_cpu(), time.monotonic(), source.events
    await source.stop()
    return {
        "cpu_percent": 100 * (c1 - c0) / (t1 - t0),
        "bytes_per_second": (b1 - b0) / (t1 - t0),
        "events": e1 - e0,
        "latencies": latencies,
        "connects": source.connects,
        "domains": len(source.store.keys()),
    }


# --- the harness ------------------------------------------------------------------------------------------


def start_listening(command: list[str], log: Path, env: dict | None = None) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=log.open("wb"), stdin=subprocess.DEVNULL,
                            text=True, env=env)
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"{command[3]} did not start: {log.read_text()[-500:]}")
    return proc, line.removeprefix("listening on ").strip()


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def collector_requests(url: str) -> float:
    import httpx
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(f"{url}/metrics", timeout=30).text
    return sum(s.value for f in text_string_to_metric_families(text) if f.name == "livetop_vendor_requests"
               for s in f.samples if s.name.endswith("_total"))


def wait_ready(url: str, timeout: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            domains = httpx.get(f"{url}/healthz", timeout=10).json()["domains"]
            if "loading" not in domains:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=1000)
    parser.add_argument("--viewers", type=int, default=20)
    parser.add_argument("--duration", type=float, default=120.0, help="measurement window per phase, s")
    parser.add_argument("--warmup", type=float, default=20.0, help="after every domain answered, s")
    parser.add_argument("--refresh", default="30s")
    parser.add_argument("--local", metavar="CONFIG", help=argparse.SUPPRESS)
    parser.add_argument("--viewer", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.local:
        print(json.dumps(asyncio.run(local_engine(args.local, args.warmup, args.duration))))
        return 0
    if args.viewer:
        print(json.dumps(asyncio.run(viewer(args.viewer, args.duration))))
        return 0

    me = [sys.executable, str(Path(__file__).resolve())]
    livetop = [sys.executable, "-m", "livetop"]
    with tempfile.TemporaryDirectory(prefix="livetop-bench-serve-") as tmp:
        work = Path(tmp)
        config = work / "config.toml"
        sim, sim_url = start_listening(
            [*livetop, "simulate", "--port", "0", "--domains", str(args.domains), "--write-config", str(config)],
            work / "sim.log",
        )
        try:
            text = re.sub(r'(?m)^refresh = .*$', f'refresh = "{args.refresh}"', config.read_text(), count=1)
            config.write_text(text)
            print(f"anchor: one local engine, {args.domains} domains, {args.duration:g} s…", file=sys.stderr)
            done = subprocess.run([*me, "--local", str(config), "--duration", str(args.duration),
                                   "--warmup", str(args.warmup)], capture_output=True, text=True, check=True)
            anchor = json.loads(done.stdout)
            print(f"team: serve + {args.viewers} viewers, {args.duration:g} s…", file=sys.stderr)
            serve, url = start_listening([*livetop, "serve", "--config", str(config), "--listen", "127.0.0.1:0"],
                                         work / "serve.log")
            try:
                wait_ready(url)
                time.sleep(args.warmup)
                # The collector alone first, then with the viewers attached: the same process, warm.
                a0, ac0, at0 = collector_requests(url), cpu_seconds_of(serve.pid), time.monotonic()
                time.sleep(args.duration)
                a1, ac1, at1 = collector_requests(url), cpu_seconds_of(serve.pid), time.monotonic()
                viewers = [
                    subprocess.Popen([*me, "--viewer", url, "--duration", str(args.duration)],
                                     stdout=subprocess.PIPE, text=True)
                    for _ in range(args.viewers)
                ]
                time.sleep(4)  # the viewers connect and take their snapshot before the window opens
                r0, c0, t0 = collector_requests(url), cpu_seconds_of(serve.pid), time.monotonic()
                time.sleep(args.duration)
                r1, c1, t1 = collector_requests(url), cpu_seconds_of(serve.pid), time.monotonic()
                results = [json.loads(v.communicate(timeout=120)[0]) for v in viewers]
            finally:
                stop(serve)
        finally:
            stop(sim)
    alone_rpm = (a1 - a0) * 60 / (at1 - at0)
    alone_cpu = 100 * (ac1 - ac0) / (at1 - at0)
    team_rpm = (r1 - r0) * 60 / (t1 - t0)
    collector_cpu = 100 * (c1 - c0) / (t1 - t0)
    ok = [r for r in results if "error" not in r]
    lat = [x for r in ok for x in r["latencies"]]
    cpu = [r["cpu_percent"] for r in ok]
    bps = [r["bytes_per_second"] for r in ok]
    print(f"| {args.domains} domains, refresh {args.refresh}, {args.duration:g} s window | value |")
    print("|---|---|")
    print(f"| vendor requests/min, one local livetop (anchor) | {anchor['requests_per_minute']:.0f} |")
    print(f"| vendor requests/min, collector alone | {alone_rpm:.0f} |")
    print(f"| vendor requests/min, collector with {len(ok)} viewers | {team_rpm:.0f} |")
    print(f"| CPU, one local livetop's engine (anchor) | {anchor['cpu_percent']:.1f} % |")
    print(f"| CPU, collector alone | {alone_cpu:.1f} % |")
    print(f"| CPU, collector with {len(ok)} viewers | {collector_cpu:.1f} % |")
    if ok:
        print(f"| CPU per viewer (headless), median / max | {statistics.median(cpu):.2f} % / {max(cpu):.2f} % |")
        print(f"| bytes/s per viewer, median / max | {statistics.median(bps):.0f} / {max(bps):.0f} |")
        print(f"| vendor answer → viewer, median / p95 / max (n={len(lat)}) | "
              f"{percentile(lat, 0.5) * 1000:.0f} ms / {percentile(lat, 0.95) * 1000:.0f} ms / "
              f"{max(lat) * 1000:.0f} ms |" if lat else "| vendor answer → viewer | no change seen |")
    failed = [r["error"] for r in results if "error" in r]
    if failed:
        print(f"\n{len(failed)} viewers failed: {failed[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
