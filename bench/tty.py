"""Terminal benchmark: what livetop, btop and htop cost on the wire and on the CPU, side by side.

    .venv/bin/python bench/tty.py --all > bench/results.md
    .venv/bin/python bench/tty.py --cases 'btop-*,livetop-1000-stress-*' --duration 30
    .venv/bin/python bench/tty.py --list

Each case runs in its own pseudo-terminal (bench/ptyrun.py) with a private, empty HOME; the cases run one
after another and one markdown table comes out on stdout (progress goes to stderr). See bench/README.md for
what each column means.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module
    # (Textual's driver imports it): put the checkout there instead, so `bench` is importable as a package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench import ptyrun  # noqa: E402
from bench.cases import LIVETOP, Case, Target, all_cases  # noqa: E402

STARTUP_RUNS = 5  # runs of each start-up case; the median is reported


READY_SETTLE = 10.0  # after the ready pattern: the zoomed-out window's backfill finishes its last answers
SETTLE = 1.0  # after typed keys: the screen's answer to the key itself is not what is measured
MAX_WARMUP = 180.0


@dataclass
class Row:
    case: Case
    load: float
    result: ptyrun.RunResult | None = None
    repeated: list[float] | None = None  # exit / first-data cases: one figure per run
    notes: list[str] = field(default_factory=list)

    @property
    def headline_seconds(self) -> float | None:
        """Wall time to exit, or start to first data: the median of the runs."""
        if self.repeated:
            return statistics.median(self.repeated)
        return self.result.first_data_seconds if self.result else None

    def metric(self, name: str) -> float | None:
        if name in ("wall_seconds", "first_data_seconds"):
            return self.headline_seconds
        if self.result is None:
            return None
        if name == "main_peak_rss_mb":
            return self.result.main_peak_rss_bytes / 1e6
        return getattr(self.result, name)


def case_env(case: Case, home: Path) -> dict[str, str]:
    """A clean environment: the user's TERM, colour, NO_COLOR or TEXTUAL_* settings never leak into a run."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "USER": os.environ.get("USER", "bench"),
        "LANG": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
    }
    env.update(case.env)
    return env


def load_average() -> float:
    return os.getloadavg()[0]


def textual_import_check() -> str:
    """Does `livetop --help` import Textual? Runs it under `python -X importtime` and reads the log."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", LIVETOP, "--help"],
        capture_output=True,
        text=True,
        env=os.environ | {"PYTHONDONTWRITEBYTECODE": "1"},
        timeout=60,
    )
    modules = []
    total_us = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line or "cumulative" in line:
            continue
        self_us, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        modules.append(name.strip())
        total_us += int(self_us)
    textual = [m for m in modules if m == "textual" or m.startswith("textual.")]
    verdict = "imports textual" if textual else "textual not imported"
    return f"{verdict} ({len(modules)} modules, {total_us / 1000:.0f} ms of imports)"


def plan_for(case: Case, args: argparse.Namespace) -> ptyrun.Plan:
    gap = args.gap_ms / 1000
    if case.kind == "exit":
        return ptyrun.Plan(duration=30.0, data_pattern=case.data_pattern, until_exit=True, gap_seconds=gap)
    if case.kind == "first-data":
        return ptyrun.Plan(warmup=0.0, duration=60.0, data_pattern=case.data_pattern, stop_on_data=True)
    return ptyrun.Plan(
        warmup=args.warmup,
        duration=max(args.duration, case.min_duration),
        data_pattern=case.data_pattern,
        setup_keys=case.setup_keys,
        ready_pattern=case.ready_pattern,
        ready_settle=READY_SETTLE,
        max_warmup=MAX_WARMUP,
        keys=case.keys,
        settle=SETTLE,
        gap_seconds=gap,
    )


def run_case(case: Case, args: argparse.Namespace) -> Row:
    row = Row(case, load_average())
    if case.note:
        row.notes.append(case.note)
    missing = case.available()
    if missing:
        row.notes.append(f"not run: {missing}")
        return row
    plan = plan_for(case, args)
    runs = args.startup_runs if case.kind != "load" else 1
    figures = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="livetop-bench-") as tmp:
            home = Path(tmp)
            if case.prepare:
                case.prepare(home)
            env = case_env(case, home)
            row.result = ptyrun.run(case.argv, env, plan, cols=case.cols, rows=case.rows, cwd=tmp)
        figure = row.result.exited_at if case.kind == "exit" else row.result.first_data_seconds
        if figure is not None:
            figures.append(figure)
    result = row.result
    if case.kind != "load":
        row.repeated = figures
        what = "wall time to exit" if case.kind == "exit" else "start to first data"
        if figures:
            spread = f"min {min(figures):.3f} s, max {max(figures):.3f} s"
            row.notes.append(f"{what}, median of {len(figures)} runs ({spread})")
        if case.kind == "exit":
            row.notes.append(textual_import_check())
            if result.exit_status not in (0, None):
                row.notes.append(f"exit status {result.exit_status}")
    else:
        row.notes.append(f"measured from {result.window_start:.0f} s")
        if case.ready_pattern and result.ready_at is None:
            row.notes.append(f"never showed it was ready (/{case.ready_pattern}/) within {MAX_WARMUP:.0f} s")
    if result.exited_at is not None and case.kind != "exit":
        row.notes.append(f"exited by itself after {result.exited_at:.1f} s, status {result.exit_status}")
        tail = " ".join(result.tail_text.split())[-160:]
        if tail:
            row.notes.append(f"last output: {tail!r}")
    if case.data_pattern and result.first_data_seconds is None:
        row.notes.append(f"data pattern /{case.data_pattern}/ never seen")
    if result.queries_seen:
        row.notes.append("unanswered queries: " + ", ".join(result.queries_seen))
    return row


def _fmt(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _judge(target: Target, row: Row, rows: list[Row]) -> str:
    value = row.metric(target.metric)
    limit = target.limit
    if limit == "btop":
        anchor = next((r for r in rows if r.case.name == f"btop-{row.case.size}" and r.result), None)
        if anchor is None:
            return f"{target.label}: no btop row in this run"
        limit = anchor.metric(target.metric)
    if value is None or limit is None:
        return f"{target.label}: not measured"
    return f"{target.label} {'✓' if value <= limit else '✗'}"


COLUMNS = (
    "case", "size", "colours", "refresh", "load", "bytes/s", "frames/s", "bytes/frame mean",
    "bytes/frame max",
    "CPU % main", "CPU % tree", "RSS MB main", "RSS MB tree", "first data s", "targets", "notes",
)  # fmt: skip


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        r = row.result
        load = r if r is not None and row.case.kind == "load" else None
        cells = [
            row.case.name,
            row.case.size,
            row.case.colours,
            row.case.refresh or "–",
            f"{row.load:.2f}",
            _fmt(load.bytes_per_second if load else None),
            _fmt(load.frames_per_second if load else None, 2),
            _fmt(load.mean_frame_bytes if load else None),
            _fmt(load.max_frame_bytes if load else None),
            _fmt(load.main_cpu_percent if load else None, 1),
            _fmt(load.cpu_percent if load else None, 1),
            _fmt(load.main_peak_rss_bytes / 1e6 if load else None, 1),
            _fmt(load.peak_rss_bytes / 1e6 if load else None, 1),
            _fmt(row.headline_seconds, 3),
            "; ".join(_judge(t, row, rows) for t in row.case.targets) or "–",
            "; ".join(row.notes).replace("|", "\\|") or "–",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "not installed"


def header(args: argparse.Namespace) -> str:
    cpu_model = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.machine(),
    )  # fmt: skip
    checkout = str(Path(__file__).resolve().parent.parent)
    commit = _version(["git", "-C", checkout, "rev-parse", "--short", "HEAD"])
    try:
        from importlib.metadata import version

        textual = version("textual")
    except Exception:  # noqa: BLE001 - only a label in the header
        textual = "?"
    return (
        f"Run {datetime.datetime.now().isoformat(timespec='seconds')} on {os.cpu_count()} × {cpu_model}, "
        f"livetop {commit}, Textual {textual}, {_version(['btop', '--version'])}, "
        f"{_version(['htop', '--version'])}. Warm-up {args.warmup:g} s, window {args.duration:g} s "
        f"(steady state: at least 60 s), frame = output separated by >= {args.gap_ms:g} ms of silence; "
        f"load = 1-minute load average when the case started; main = the program's own process, "
        f"tree = it and its children (livetop demo's simulator is a child)."
    )


def select_cases(patterns: str | None, run_all: bool) -> list[Case]:
    cases = all_cases()
    if run_all or not patterns:
        return cases
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    chosen = [c for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in wanted)]
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--all", action="store_true", help="run every case (the default without --cases)")
    parser.add_argument("--cases", metavar="GLOBS", help="comma-separated name globs, e.g. 'btop-*,htop-*'")
    parser.add_argument("--list", action="store_true", help="list the case names and exit")
    parser.add_argument("--duration", type=float, default=20.0, help="measurement window in s (default 20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring (default 5)")
    parser.add_argument("--gap-ms", type=float, default=ptyrun.DEFAULT_GAP_SECONDS * 1000,
                        help="silence that ends a frame, ms (default 50)")  # fmt: skip
    parser.add_argument("--startup-runs", type=int, default=STARTUP_RUNS, help="runs of each start-up case")
    args = parser.parse_args(argv)
    if args.duration <= 0 or args.warmup < 0 or args.gap_ms <= 0 or args.startup_runs < 1:
        parser.error("--duration, --gap-ms and --startup-runs must be positive, --warmup not negative")
    cases = select_cases(args.cases, args.all)
    if args.list:
        print("\n".join(c.name for c in all_cases()))
        return 0
    if not cases:
        parser.error(f"no case matches {args.cases!r}; see --list")
    rows = []
    for i, case in enumerate(cases, 1):
        print(f"[{i}/{len(cases)}] {case.name} (load {load_average():.2f})", file=sys.stderr, flush=True)
        rows.append(run_case(case, args))
    print(header(args))
    print()
    print(table(rows))
    print()
    print(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
