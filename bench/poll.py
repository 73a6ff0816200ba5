"""What it costs to fetch the window of N play domains: livetop's engine beside two plain-httpx baselines.

    .venv/bin/python bench/poll.py                      # N = 100 and 1000, the figures in bench/README.md
    .venv/bin/python bench/poll.py --domains 100 --latency-ms 0
    .venv/bin/python bench/poll.py --domains 1000 --skip-sequential --engine-only --repeat 5 --before cff249e
    .venv/bin/python bench/poll.py --rpm-only           # requests per minute per vendor API at 1000 domains,
                                                        # before and after the data-driven schedule

The simulator runs in its own process (`livetop simulate`, so its CPU is not on the client's GIL) with one
Huawei IAM-password account, no rate limit and a fixed added latency per answer (default 30 ms, like a real
API across the internet). Each contender fetches the same thing: a 1 h window of bandwidth and traffic for
every domain (2 requests per domain, plus one IAM token).

- sequential: a for-loop of plain httpx calls, one after the other: what a shell script would do.
- ceiling: a bare concurrent httpx loop (asyncio.gather, no rate limit, the same connection cap as livetop):
  the most this simulator serves on this machine.
- livetop: `Engine.poll_all_once()` with the account's concurrency set to the same cap and its rate limit
  raised out of the way: parsing, time rules, merging into the store and snapshotting included.
- bare concurrent httpx on livetop's transport: the ceiling's loop on the transport livetop's clients use
  (httpx's, with a cheaper idle-socket check; livetop/vendors/transport.py): livetop against this row is
  livetop's own work per request, against the ceiling that plus what its transport saves.
- with `--before REF`: the livetop engine of an older commit too (exported with `git archive`), so a change's
  before and after are measured side by side in one run.

Each contender runs in its own worker process, `--repeat` times, the contenders interleaved (the order
rotating each round): the machine is shared, so CPU seconds are compared as medians, and a contender's
CPU against the ceiling's as the median of each round's ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    # A worker for `--before` imports livetop from an exported older tree instead.
    sys.path[0] = os.environ.get("LIVETOP_BENCH_TREE") or str(Path(__file__).resolve().parent.parent)

import httpx  # noqa: E402
import tomli_w  # noqa: E402

from livetop.clock import SYSTEM_CLOCK  # noqa: E402
from livetop.config.load import load_config  # noqa: E402
from livetop.engine import Engine  # noqa: E402
from livetop.model import ceil_to, floor_to  # noqa: E402

PROJECT_ID = "b0" * 16


def scenario(n_domains: int, latency_ms: float, api: str = "v1") -> dict:
    return {
        "seed": "bench-poll",
        "latency_ms": latency_ms,
        "latency_jitter_ms": 0,
        "accounts": [
            {
                "name": "bench",
                "vendor": "huawei",
                "api": api,
                "auth": "password",
                "project_id": PROJECT_ID,
                "rate_per_second": 1e6,
                "burst": 1e6,
                "domains": [f"play{i:04d}.bench.example.com" for i in range(n_domains)],
            }
        ],
    }


class SimProcess:
    """`livetop simulate` in a child process, for the duration of a `with` block."""

    def __init__(self, workdir: Path, n_domains: int, latency_ms: float, api: str = "v1") -> None:
        self.scenario_path = workdir / f"scenario-{n_domains}-{api}.toml"
        self.scenario_path.write_text(tomli_w.dumps(scenario(n_domains, latency_ms, api)))
        self.config_path = workdir / f"config-{n_domains}-{api}.toml"

    def __enter__(self) -> SimProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "livetop", "simulate", "--port", "0", "--scenario", str(self.scenario_path),
             "--write-config", str(self.config_path)],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        first = self.proc.stdout.readline().strip()
        if not first.startswith("listening on "):
            self.proc.kill()
            raise SystemExit(f"bench: the simulator did not start ({first!r})")
        self.url = first.removeprefix("listening on ")
        return self

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


def _window(now, window_seconds: int = 3600):
    start = floor_to(now - timedelta(seconds=window_seconds), 300)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    return start.strftime(fmt), now.strftime(fmt)


def _token_request(account) -> tuple[str, dict]:
    creds = account.credentials
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": creds.username, "password": creds.password.reveal(), "domain": {"name": creds.domain_name}}}},
        "scope": {"project": {"id": account.project_id}},
    }}
    return f"{account.iam_endpoint}/v3/auth/tokens?nocatalog=true", body


def _requests(account, token: str) -> list[tuple[str, dict, dict]]:
    """Each domain's bandwidth and traffic detail request over the last hour, as the account's API wants it
    (v1: /stream/{metric}; v2: /stats/{metric}/detail, whose end is the last second of an aligned window)."""
    now = SYSTEM_CLOCK.now()
    start, end = _window(now)
    headers = {"X-Auth-Token": token}
    out = []
    for domain in account.domains:
        for metric in ("bandwidth", "traffic"):
            if account.api == "v2":
                last = ceil_to(now, 300) - timedelta(seconds=1)
                params = {"play_domains": domain.name, "interval": "300", "start_time": start,
                          "end_time": last.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
                out.append((f"/v2/{account.project_id}/stats/{metric}/detail", params, headers))
            else:
                params = {"domain": domain.name, "start_time": start, "end_time": end, "step": "5"}
                out.append((f"/v1/{account.project_id}/stream/{metric}", params, headers))
    return out


def run_sequential(account) -> int:
    with httpx.Client(base_url=account.endpoint, timeout=30) as client:
        url, body = _token_request(account)
        token = client.post(url, json=body).headers["X-Subject-Token"]
        count = 1
        for path, params, headers in _requests(account, token):
            response = client.get(path, params=params, headers=headers)
            response.raise_for_status()
            response.json()
            count += 1
    return count


async def run_ceiling(account, connections: int, livetop_transport: bool = False) -> int:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    transport = None
    if livetop_transport:  # the pool livetop's clients use (livetop/vendors/transport.py)
        from livetop.vendors.transport import PooledTransport

        transport = PooledTransport(verify=True, limits=limits)
    async with httpx.AsyncClient(
        base_url=account.endpoint, timeout=30, limits=limits, transport=transport
    ) as client:
        url, body = _token_request(account)
        token = (await client.post(url, json=body)).headers["X-Subject-Token"]
        gate = asyncio.Semaphore(connections)

        async def one(path, params, headers) -> None:
            async with gate:
                response = await client.get(path, params=params, headers=headers)
                response.raise_for_status()
                response.json()

        jobs = _requests(account, token)
        await asyncio.gather(*(one(*job) for job in jobs))
    return len(jobs) + 1


async def run_livetop(config, connections: int) -> int:
    account = replace(config.accounts[0], concurrency=connections, rate_per_second=1e6)
    engine = Engine(replace(config, accounts=(account,)), stagger=False)
    try:
        # A loaded machine must not turn a slow run into a failed one: the one-shot deadline (60 s by
        # default) is not what is measured here.
        snap = await engine.poll_all_once(timeout=900)
    finally:
        await engine.stop()
    failed = snap.failed()
    if failed:
        raise SystemExit(f"bench: livetop failed {len(failed)} domains, e.g. {failed[0].error}")
    missing = [d for d in snap.domains if d.bandwidth_now is None or d.traffic_bytes is None]
    if missing:
        raise SystemExit(f"bench: livetop has no data for {len(missing)} domains")
    return sum(r.requests for d in snap.domains for r in d.requests) + 1


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(name: str, fn) -> dict:
    cpu0, t0 = _cpu(), time.perf_counter()
    count = fn()
    wall = time.perf_counter() - t0
    return {"name": name, "wall": wall, "requests": count, "rps": count / wall, "cpu": _cpu() - cpu0}


# --- engine against bare httpx: each contender in its own worker process, runs interleaved ----------------

SEQUENTIAL, CEILING, LIVETOP = "sequential httpx loop", "ceiling: bare concurrent httpx", "livetop engine"
CEILING_ON_LIVETOP_TRANSPORT = "bare concurrent httpx on livetop's transport"


def worker(config_path: str, connections: int) -> int:
    """A contender's process: read a contender name a line, run it once, answer its figures as JSON.

    One process per contender (and per livetop tree) keeps their heaps, caches and imports apart and warm
    across the repeats, and lets `--before` run an older livetop beside this one in the same run."""
    config = load_config(Path(config_path))
    account = config.accounts[0]
    runs = {
        SEQUENTIAL: lambda: run_sequential(account),
        CEILING: lambda: asyncio.run(run_ceiling(account, connections)),
        CEILING_ON_LIVETOP_TRANSPORT: lambda: asyncio.run(run_ceiling(account, connections, True)),
        LIVETOP: lambda: asyncio.run(run_livetop(config, connections)),
    }
    print("ready", flush=True)
    for line in sys.stdin:
        name = line.strip()
        if name not in runs:
            break
        print(json.dumps(measure(name, runs[name])), flush=True)
    return 0


class Worker:
    """`bench/poll.py --worker` on one livetop tree (this checkout, or an older one for `--before`)."""

    def __init__(self, tree: Path, config_path: Path, connections: int) -> None:
        env = dict(os.environ, LIVETOP_BENCH_TREE=str(tree))
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(config_path),
             "--connections", str(connections)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        if self.proc.stdout.readline().strip() != "ready":
            raise SystemExit(f"bench: the worker on {tree} did not start")

    def run(self, name: str) -> dict:
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bench: the worker running {name!r} died")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)


def _tree_of(ref: str, workdir: Path) -> Path:
    """A git ref of this repository exported into `workdir` (no worktree or checkout is touched)."""
    root = Path(__file__).resolve().parent.parent
    tree = workdir / f"tree-{ref.replace('/', '_')}"
    tree.mkdir()
    archive = subprocess.run(["git", "-C", str(root), "archive", ref], capture_output=True)
    if archive.returncode:
        raise SystemExit(f"bench: --before {ref}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def _median(values: list[float]) -> float:
    return statistics.median(values)


def bench(
    n_domains: int, latency_ms: float, connections: int, skip_sequential: bool, repeat: int,
    before: str | None = None, same_transport: bool = True, api: str = "v1",
) -> list[dict]:
    """Each contender `repeat` times, interleaved (the order rotating each round), on a shared 2-core machine:
    one row per contender with its median figures, and its CPU against the ceiling's as the median of the
    rounds' ratios (a round's contenders ran seconds apart, under about the same load)."""
    here = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="livetop-bench-") as tmp, SimProcess(
        Path(tmp), n_domains, latency_ms, api
    ) as sim:
        contenders = [(CEILING, CEILING, here), (LIVETOP, LIVETOP, here)]
        if same_transport:
            contenders.insert(1, (CEILING_ON_LIVETOP_TRANSPORT, CEILING_ON_LIVETOP_TRANSPORT, here))
        if before:
            contenders.append((f"livetop engine @ {before}", LIVETOP, _tree_of(before, Path(tmp))))
        workers = {label: Worker(tree, sim.config_path, connections) for label, _, tree in contenders}
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in contenders}
        loads: list[float] = []
        try:
            if not skip_sequential:
                runs[SEQUENTIAL] = [workers[CEILING].run(SEQUENTIAL)]
            for round_ in range(repeat):
                loads.append(os.getloadavg()[0])
                order = contenders[round_ % len(contenders):] + contenders[: round_ % len(contenders)]
                for label, name, _ in order:
                    runs[label].append(workers[label].run(name))
                    print(f"bench: N={n_domains} round {round_ + 1}/{repeat} {label}: "
                          f"{runs[label][-1]['cpu']:.2f} s CPU, load {os.getloadavg()[0]:.1f}",
                          file=sys.stderr)  # fmt: skip
        finally:
            for w in workers.values():
                w.close()
    rows = []
    ceiling_cpu = [r["cpu"] for r in runs[CEILING]]
    for label, measured in runs.items():
        cpu = [r["cpu"] for r in measured]
        requests = measured[0]["requests"]
        ratios = [c / ceiling_cpu[i] for i, c in enumerate(cpu)] if label != SEQUENTIAL else []
        rows.append({
            "n": n_domains, "name": label, "runs": len(measured), "requests": requests,
            "wall": _median([r["wall"] for r in measured]), "cpu": _median(cpu), "cpu_min": min(cpu),
            "cpu_ratio": _median(ratios) if ratios else None, "load": _median(loads),
        })  # fmt: skip
    return rows




def print_engine_table(args) -> None:
    print(f"# bench/poll.py — Huawei {args.api}, {os.cpu_count()} cores, "
          f"simulator latency {args.latency_ms:g} ms, "
          f"{args.connections} connections, {args.repeat} interleaved runs per contender\n")
    print("| N | contender | runs | wall s | requests | req/s | client CPU s (median) | CPU ms/request "
          "| CPU × ceiling | wall × ceiling | × faster than sequential | load |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.domains:
        rows = bench(n, args.latency_ms, args.connections, args.skip_sequential, args.repeat, args.before,
                     not args.no_same_transport, args.api)
        ceiling = next(r for r in rows if r["name"] == CEILING)
        sequential = next((r["wall"] for r in rows if r["name"] == SEQUENTIAL), None)
        for r in rows:
            ratio = "-" if r["cpu_ratio"] is None else f"{r['cpu_ratio']:.2f}"
            vs_seq = f"{sequential / r['wall']:.1f}" if sequential else "-"
            print(f"| {n} | {r['name']} | {r['runs']} | {r['wall']:.2f} | {r['requests']} "
                  f"| {r['requests'] / r['wall']:.0f} | {r['cpu']:.2f} "
                  f"| {1000 * r['cpu'] / r['requests']:.2f} "
                  f"| {ratio} | {r['wall'] / ceiling['wall']:.2f} | {vs_seq} | {r['load']:.1f} |", flush=True)


# --- requests per minute: what polling N domains costs each Huawei API -----------------------------------


async def _engine_poll_requests(config, connections: int) -> int:
    """Live API requests one full poll of every domain makes (the IAM token not counted)."""
    return await run_livetop(config, connections) - 1


def _demo_accounts():
    """One account of every vendor API, as `livetop simulate --write-config` writes the demo's (their limits
    put back to each API's documented defaults)."""
    from livetop.sim.scenario import load_scenario
    from livetop.sim.server import Simulator

    with tempfile.TemporaryDirectory(prefix="livetop-bench-") as tmp:
        path = Simulator(load_scenario(None)).write_config(Path(tmp) / "demo.toml")
        config = load_config(path)
    seen: dict[tuple[str, str], object] = {}
    for account in config.accounts:
        from livetop.vendors.registry import account_api

        key = (account.vendor, account_api(account).name)
        seen.setdefault(key, replace(account, rate_per_second=None, concurrency=None))
    return seen


def rpm_table(n_domains: int, latency_ms: float, connections: int, refreshes: list[float]) -> None:
    """Requests per minute at N domains, per vendor API: before (every domain's both metrics every refresh)
    and after (the data-driven schedule, engine/schedule.py), beside the API's documented per-user limit.

    For Huawei v1 and v2 one full poll is measured against the simulator (requests per poll x polls a
    minute: the "before"), and for v2 one list cycle of the provisional buckets too (the "after"'s unit, one
    cycle per update period); the other rows come from the schedule's own count (`demand_per_minute`)."""
    from livetop.engine import schedule
    from livetop.vendors.limits import effective_limits

    measured: dict[str, tuple[int, int | None]] = {}
    with tempfile.TemporaryDirectory(prefix="livetop-bench-") as tmp:
        for api in ("v1", "v2"):
            with SimProcess(Path(tmp), n_domains, latency_ms, api) as sim:
                config = load_config(sim.config_path)
                per_poll = asyncio.run(_engine_poll_requests(config, connections))
                cycle = None
                if api == "v2":
                    cycle, covered = asyncio.run(_v2_list_cycle(config))
                    if covered != n_domains:
                        raise SystemExit(f"bench: the v2 lists covered {covered} of {n_domains} domains")
                measured[api] = (per_poll, cycle)
    accounts = _demo_accounts()
    for refresh_seconds in refreshes:
        polls_per_minute = 60.0 / refresh_seconds
        print(f"\n## Requests per minute at {n_domains} domains, refresh {refresh_seconds:g} s: before (a full "
              f"poll every refresh) and after (the data-driven schedule)\n")
        print("| vendor API | before: req/min | after: req/min | fewer | documented limit/min "
              "| each domain's bandwidth every (after, within the limit) | measured |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for (vendor, api), account in accounts.items():
            before = schedule.full_poll_per_minute(account, n_domains, refresh_seconds)
            after = schedule.demand_per_minute(account, n_domains, refresh_seconds)
            rate = effective_limits(account).rate_per_second
            served = schedule.served_interval(account, n_domains, refresh_seconds, rate)
            note = "computed"
            if vendor == "huawei" and api in measured:
                per_poll, cycle = measured[api]
                if per_poll != round(before / polls_per_minute):
                    raise SystemExit(f"bench: huawei {api} measured {per_poll} requests a poll, "
                                     f"the schedule counts {before / polls_per_minute:.0f}")
                note = f"before: {per_poll} requests a poll"
                if cycle is not None:
                    note += f"; after: {cycle} list calls a cycle"
            print(f"| {vendor} {api} | {before:.0f} | {after:.0f} | {before / after:.1f}x | {rate * 60:.0f} "
                  f"| {_duration(served)} | {note} |", flush=True)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


async def _v2_list_cycle(config) -> tuple[int, int]:
    """Requests one list cycle takes at a steady state (every bucket provisional now, both lists, all
    domains: schedule.list_buckets), and how many domains came back with both figures for every bucket."""
    from datetime import datetime, timezone

    from livetop.engine import schedule
    from livetop.vendors.base import make_client
    from livetop.vendors.huawei.v2_client import HuaweiV2Provider

    account = replace(config.accounts[0], rate_per_second=1e6)
    timing = schedule.account_timing(account)
    now = SYSTEM_CLOCK.now().timestamp()
    buckets = schedule.list_buckets(now - timing.update_seconds, now, timing)
    names = [d.name for d in account.domains]
    async with make_client(account) as client:
        provider = HuaweiV2Provider(account, client, SYSTEM_CLOCK)
        answers = [await provider.fetch_buckets(names, datetime.fromtimestamp(b, tz=timezone.utc)) for b in buckets]
    covered = set(names)
    for results, _ in answers:
        covered &= set(results)
    return sum(sent for _, sent in answers), len(covered)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, nargs="+", default=[100, 1000], metavar="N")
    parser.add_argument("--latency-ms", type=float, default=30.0, help="added latency per simulator answer")
    parser.add_argument("--connections", type=int, default=16,
                        help="connection cap for ceiling and livetop (16 was fastest for bare httpx here)")
    parser.add_argument("--skip-sequential", action="store_true", help="leave out the slow sequential loop")
    parser.add_argument("--rpm-domains", type=int, default=1000, metavar="N",
                        help="domains for the requests-per-minute table (default 1000)")
    parser.add_argument("--refresh", type=float, nargs="+", default=[15.0, 30.0], metavar="SECONDS",
                        help="refreshes for the requests-per-minute tables (the demo's 15 s, the config's 30 s)")
    parser.add_argument("--rpm-only", action="store_true", help="only the requests-per-minute table")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs per contender, interleaved; medians are reported (default 3)")
    parser.add_argument("--before", metavar="GIT_REF",
                        help="also run the livetop engine of this commit (exported with git archive), "
                        "side by side in the same run")
    parser.add_argument("--engine-only", action="store_true", help="leave out the requests-per-minute table")
    parser.add_argument("--api", choices=("v1", "v2"), default="v1",
                        help="the Huawei API the engine-vs-httpx table polls (default v1)")
    parser.add_argument("--no-same-transport", action="store_true",
                        help="leave out the bare loop on livetop's transport (livetop/vendors/transport.py)")
    parser.add_argument("--worker", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.connections)
    if args.rpm_only:
        rpm_table(args.rpm_domains, args.latency_ms, args.connections, args.refresh)
        return 0

    print_engine_table(args)
    if not args.engine_only:
        rpm_table(args.rpm_domains, args.latency_ms, args.connections, args.refresh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
