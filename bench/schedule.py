"""Requests per minute and freshness of the engine's poll schedule, per vendor API, before vs after.

    nice -n 10 .venv/bin/python bench/schedule.py          # 1000 domains, 5 minutes measured, all APIs
    nice -n 10 .venv/bin/python bench/schedule.py --apis huawei-v1,tencent --domains 200 --minutes 2

For every vendor API, two sides run side by side in one run, at the same time: "before" is the engine of
commit cff249e (a git worktree made on first use, `--before`), "after" the engine of this checkout (or
`--after ROOT`). Each side is a headless `livetop.engine.Engine` (the engine the TUI runs) in its own
process, with one account of N domains, polling its own simulator process (the simulator of THIS checkout
for both sides, so the truth is the same), which enforces the API's documented rate limit (the simulator's
default for the API, a realistic account) and adds 20-50 ms of latency per answer. All APIs run at once.

Measured over the same window for both sides of an API, which starts when both sides have data for every
domain (or `--warmup-max` seconds after the start) and lasts `--minutes`:
- requests per minute: every request the simulator answered, refused and throttled ones included (counted
  on the simulator's side);
- age: now - updated_at (the last successful answer) of every domain, every second; p50 and p95;
- lag behind the vendor: how long the value shown for each domain's newest bandwidth bucket has differed
  from what the simulator would answer now (0 when it is current; a new bucket the vendor has started
  counts as a difference), every second; p50 and p95. The truth is computed in-process from the
  simulator's own deterministic data (bench/schedule_truth.py). The moment a shown value stopped being
  current is found by bisection between the samples (to 10 ms); a value that was already out of date
  when it arrived counts from its arrival;
- domains with no data at the window's end, and the engine process's CPU over the window.
Progress goes to stderr, one markdown table to stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import tomli_w  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CHILDREN = HERE / "schedule_children.py"
BEFORE_COMMIT = "cff249e"
APIS = {
    "huawei-v1": ("huawei", "v1"),
    "huawei-v2": ("huawei", "v2"),
    "jdcloud-opencdn": ("jdcloud", "opencdn"),
    "jdcloud-openapi": ("jdcloud", "openapi"),
    "alibaba": ("alibaba", "live"),
    "tencent": ("tencent", "bill"),
}
SIDES = ("before", "after")


def scenario(vendor: str, api: str, n_domains: int, latency_ms: float, jitter_ms: float) -> dict:
    return {
        "seed": "bench-schedule",
        "latency_ms": latency_ms,
        "latency_jitter_ms": jitter_ms,
        "accounts": [{
            "name": "bench",
            "vendor": vendor,
            "api": api,
            "domains": [f"play{i:04d}.{vendor}-{api}.bench.example.com" for i in range(n_domains)],
        }],
    }  # fmt: skip


class Child:
    """A child process whose stdout lines are collected by a thread."""

    def __init__(self, argv: list[str], stderr_path: Path, env: dict | None = None) -> None:
        self.err = open(stderr_path, "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=self.err, text=True, env=env)
        self.lines: list[str] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def wait_line(self, prefix: str, timeout: float = 60.0) -> str:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for line in self.lines:
                if line.startswith(prefix):
                    return line[len(prefix):].strip()
            if self.proc.poll() is not None and not self.thread.is_alive():
                break
            time.sleep(0.05)
        raise SystemExit(f"bench: a child never said {prefix!r} (see {self.err.name})")

    def line(self, prefix: str) -> str | None:
        return next((ln[len(prefix):].strip() for ln in self.lines if ln.startswith(prefix)), None)

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


@dataclass
class Run:
    """One side of one API: its simulator, its engine, and where their records go."""

    api: str
    side: str
    workdir: Path
    sim: Child | None = None
    engine: Child | None = None
    anchor: int = 0
    cpu: list[tuple[float, float]] = field(default_factory=list)  # (when, engine CPU seconds)

    def path(self, what: str) -> Path:
        return self.workdir / f"{self.api}-{self.side}-{what}"


def start_run(run: Run, args, root: Path) -> None:
    vendor, api = APIS[run.api]
    run.path("scenario.toml").write_text(
        tomli_w.dumps(scenario(vendor, api, args.domains, args.latency_ms, args.jitter_ms))
    )
    sim_argv = [sys.executable, str(CHILDREN), "sim", str(run.path("scenario.toml")),
                str(run.path("config.toml")), str(run.path("counts.jsonl"))]  # fmt: skip
    run.sim = Child(sim_argv, run.path("sim.err"))
    run.sim.wait_line("listening on")
    run.anchor = int(run.sim.wait_line("anchor"))
    config = run.path("config.toml")
    import tomllib

    doc = tomllib.loads(config.read_text())
    doc["refresh"] = f"{args.refresh:g}s"
    config.write_text(tomli_w.dumps(doc))
    os.chmod(config, 0o600)
    env = dict(os.environ, PYTHONPATH=str(root))
    run.engine = Child([sys.executable, str(CHILDREN), "engine", str(root), str(config),
                        str(run.path("observations.jsonl"))], run.path("engine.err"), env)  # fmt: skip


def git_describe(root: Path) -> str:
    git = ["git", "-C", str(root), "log", "-1", "--format=%h %cI"]
    out = subprocess.run(git, capture_output=True, text=True)
    return out.stdout.strip() or "?"


def ensure_before(path: Path) -> Path:
    if not (path / "livetop" / "engine" / "engine.py").exists():
        print(f"bench: making the 'before' worktree {path} at {BEFORE_COMMIT}", file=sys.stderr)
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), BEFORE_COMMIT],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return path


def measure(args, workdir: Path) -> dict:
    roots = {"before": ensure_before(Path(args.before).resolve()), "after": Path(args.after).resolve()}
    apis = [a.strip() for a in args.apis.split(",") if a.strip()]
    runs = {(api, side): Run(api, side, workdir) for api in apis for side in SIDES}
    began = time.time()
    windows: dict[str, tuple[float, float]] = {}
    done: set[str] = set()
    try:
        for run in runs.values():
            start_run(run, args, roots[run.side])
        print(f"bench: {len(runs)} engines polling {args.domains} domains each", file=sys.stderr)
        while len(done) < len(apis):
            time.sleep(0.5)
            now = time.time()
            for api in apis:
                if api in done:
                    continue
                pair = [runs[(api, side)] for side in SIDES]
                for run in pair:
                    if run.engine.proc.poll() is not None:
                        why = f"see {run.path('engine.err')}"
                        raise SystemExit(f"bench: the {api} {run.side} engine ended ({why})")
                if api not in windows:
                    warm = all(run.engine.line("warm") for run in pair)
                    if warm or now - began >= args.warmup_max:
                        start = math.ceil(now)
                        windows[api] = (start, start + args.minutes * 60)
                        for run in pair:
                            run.cpu.append((time.time(), run.engine.cpu_seconds()))
                        state = "every domain has data" if warm else "warm-up cap reached"
                        print(f"bench: {api}: {state} after {now - began:.0f} s; measuring "
                              f"{args.minutes:g} min", file=sys.stderr)  # fmt: skip
                elif now >= windows[api][1] + 1.5:
                    for run in pair:
                        run.cpu.append((time.time(), run.engine.cpu_seconds()))
                        run.engine.stop()
                        run.sim.stop()
                    done.add(api)
                    print(f"bench: {api}: done", file=sys.stderr)
    finally:
        for run in runs.values():
            for child in (run.engine, run.sim):
                if child is not None:
                    child.stop()
    meta = {
        "domains": args.domains,
        "refresh": args.refresh,
        "minutes": args.minutes,
        "apis": apis,
        "windows": windows,
        "anchors": {f"{api}-{side}": runs[(api, side)].anchor for api, side in runs},
        "cpu": {f"{api}-{side}": runs[(api, side)].cpu for api, side in runs},
        "roots": {side: str(root) for side, root in roots.items()},
        "commits": {side: git_describe(root) for side, root in roots.items()},
        "simulator": git_describe(ROOT),
        "load_end": os.getloadavg(),
    }
    (workdir / "meta.json").write_text(json.dumps(meta, indent=1))
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=1000, help="play domains per account (default 1000)")
    parser.add_argument("--minutes", type=float, default=5.0, help="measured window (default 5)")
    parser.add_argument("--refresh", type=float, default=30.0, help="the config's refresh, s (default 30)")
    parser.add_argument("--apis", default=",".join(APIS), help=f"comma list of {', '.join(APIS)}")
    parser.add_argument("--warmup-max", type=float, default=600.0,
                        help="start measuring at the latest this long after the start (default 600 s)")
    parser.add_argument("--before", default=f"/tmp/livetop-bench-before-{BEFORE_COMMIT}",
                        help="checkout of the 'before' engine (made with git worktree add if missing)")
    parser.add_argument("--after", default=str(ROOT), help="checkout of the 'after' engine (default: here)")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="latency per answer (default 20)")
    parser.add_argument("--jitter-ms", type=float, default=30.0, help="plus up to this much (default 30)")
    parser.add_argument("--keep", metavar="DIR", help="keep the raw records in DIR")
    parser.add_argument("--analyse", metavar="DIR", help="only analyse the raw records kept in DIR")
    args = parser.parse_args(argv)
    unknown = [a for a in args.apis.split(",") if a.strip() and a.strip() not in APIS]
    if unknown:
        parser.error(f"unknown API {unknown[0]!r}; pick from {', '.join(APIS)}")

    from bench.schedule_report import analyse, report

    if args.analyse:
        workdir = Path(args.analyse)
        meta = json.loads((workdir / "meta.json").read_text())
    elif args.keep:
        workdir = Path(args.keep)
        workdir.mkdir(parents=True, exist_ok=True)
        meta = measure(args, workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="livetop-bench-schedule-") as tmp:
            meta = measure(args, Path(tmp))
            results = analyse(meta, Path(tmp))
            report(meta, results)
            return 0
    report(meta, analyse(meta, workdir))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
