"""The benchmark cases of issue 5: livetop demo under load, btop and htop as anchors, and start-up.

A case says what to run, in which terminal, what "data on screen" looks like, and which of issue 5's targets
apply to it. Sizes: 120x40 (the default) and 80x24; colours: truecolor (COLORTERM=truecolor) unless
TEXTUAL_COLOR_SYSTEM narrows it.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

LIVETOP = str(Path(sys.executable).with_name("livetop"))
CHURN = Path(__file__).resolve().with_name("churn.py")

# Bandwidth figures as livetop formats them (SI, 1000-based): "12.3 Mbps", "950 Kbps", "1.25 Gbps".
LIVETOP_DATA = r"\d+(\.\d+)? ?[KMGT]bps"
# btop's network box: "▼ 12.5 KiB/s" / "0 Byte/s" (its first full frame carries every box at once).
BTOP_DATA = r"\d+(\.\d+)? (Byte|[KMGT]iB)/s"
HTOP_DATA = r"Load average: \d+\.\d+"
# `-` three times: livetop's window 1h -> 3h -> 6h -> 24h (the RSS target is for a 24 h window).
ZOOM_TO_24H = b"---"
# livetop's status line once no domain is still loading and the window is 24 h ("1d"): warm.
LIVETOP_READY = r"\d+ domains: (?:(?!loading)[^·\n])*· window (?:24h|1d)"


@dataclass(frozen=True)
class Target:
    """One of issue 5's limits: `metric` (a RunResult figure, see tty.METRICS) must be <= `limit`."""

    metric: str
    limit: float | str  # a number, or "btop" for "no more than the btop anchor of the same size"
    label: str


@dataclass(frozen=True)
class Case:
    name: str
    argv: tuple[str, ...]
    data_pattern: str | None = None
    cols: int = 120
    rows: int = 40
    env: Mapping[str, str] = field(default_factory=dict)
    kind: str = "load"  # load: warm up, measure a window | exit: time to exit | first-data: time to data
    setup_keys: bytes = b""  # typed once data shows (e.g. zoom livetop's window to 24 h)
    ready_pattern: str | None = None  # warm-up lasts until this shows, then READY_SETTLE more seconds
    keys: bytes = b""  # typed once, when the warm-up ends (then SETTLE seconds pass before measuring)
    min_duration: float = 0.0  # a 30 s poll needs a window that spans several polls
    refresh: str = ""
    prepare: Callable[[Path], None] | None = None  # fills the case's private HOME before the run
    targets: tuple[Target, ...] = ()
    note: str = ""

    @property
    def size(self) -> str:
        return f"{self.cols}x{self.rows}"

    @property
    def colours(self) -> str:
        return self.env.get("TEXTUAL_COLOR_SYSTEM", "truecolor")

    def available(self) -> str | None:
        """Why this case cannot run here, or None."""
        if shutil.which(self.argv[0]) is None and not Path(self.argv[0]).exists():
            return f"{self.argv[0]} is not installed"
        return None


def _btop_config(home: Path) -> None:
    # btop 1.2 has no command-line refresh option; update_ms in its config is the only knob.
    conf = home / ".config" / "btop"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "btop.conf").write_text("update_ms = 1000\n")


SIZES = ((120, 40), (80, 24))
COLOUR_SYSTEMS = ("256", "standard")
DOMAIN_COUNTS = (20, 1000)
MODES = ("stress", "steady", "idle")


def livetop_demo(domains: int, mode: str, cols: int = 120, rows: int = 40, colour: str | None = None) -> Case:
    """`livetop demo` in one of the three load modes of issue 5, zoomed out to a 24 h window.

    stress: the newest figures of every domain on screen change every second (bench/churn.py; the engine
    polls every 30 s underneath); stress-all: every domain changes every second, on screen or not, as a 1 s
    poll of all of them would; steady: the realistic 30 s poll; idle: the steady demo frozen with `f` once
    warm, so nothing new may reach the screen.
    """
    demo_options = ["--domains", str(domains), "--refresh", "30s"]
    if mode.startswith("stress"):
        scope = "all" if mode == "stress-all" else "visible"
        argv = [sys.executable, str(CHURN), "--scope", scope, *demo_options]
    else:
        argv = [LIVETOP, "demo", *demo_options]
    env = {"TEXTUAL_COLOR_SYSTEM": colour} if colour else {}
    targets: list[Target] = []
    if mode == "stress" and domains == 1000:
        targets = [
            Target("max_frame_bytes", 16_000, "frame <= 16 KB"),
            Target("main_cpu_percent", 3.0, "CPU <= 3 %"),
            Target("bytes_per_second", "btop", "bytes/s <= btop"),
        ]
    elif mode == "steady" and domains == 1000:
        targets = [Target("bytes_per_second", 1000, "<= 1 KB/s")]
    elif mode == "idle":
        targets = [Target("bytes_per_second", 0, "0 B/s")]
    if mode == "steady" and domains == 1000 and cols == 120 and not colour:
        targets.append(Target("main_peak_rss_mb", 80, "RSS <= 80 MB"))
    suffix = f"-{colour}" if colour else ""
    return Case(
        name=f"livetop-{domains}-{mode}-{cols}x{rows}{suffix}",
        argv=tuple(argv),
        data_pattern=LIVETOP_DATA,
        cols=cols,
        rows=rows,
        env=env,
        setup_keys=ZOOM_TO_24H,
        ready_pattern=LIVETOP_READY,
        keys=b"f" if mode == "idle" else b"",
        min_duration=60.0 if mode == "steady" else 0.0,
        refresh={"stress": "1 s, rows on screen", "stress-all": "1 s, every domain", "steady": "30 s",
                 "idle": "30 s, frozen"}[mode],  # fmt: skip
        targets=tuple(targets),
    )


def anchors() -> list[Case]:
    cases = []
    for cols, rows in SIZES:
        cases.append(
            Case(
                name=f"btop-{cols}x{rows}",
                argv=("btop",),
                data_pattern=BTOP_DATA,
                cols=cols,
                rows=rows,
                refresh="1 s",
                prepare=_btop_config,
            )
        )
        cases.append(
            Case(
                name=f"htop-{cols}x{rows}",
                argv=("htop", "-d", "10"),  # tenths of a second
                data_pattern=HTOP_DATA,
                cols=cols,
                rows=rows,
                refresh="1 s",
            )
        )
    return cases


def startup() -> list[Case]:
    return [
        Case(
            name="livetop-help",
            argv=(LIVETOP, "--help"),
            data_pattern=r"usage: livetop",
            kind="exit",
            targets=(Target("wall_seconds", 0.100, "<= 100 ms"),),
        ),
        Case(
            name="livetop-demo-first-data",
            argv=(LIVETOP, "demo"),
            data_pattern=LIVETOP_DATA,
            kind="first-data",
            refresh="default",
            targets=(Target("first_data_seconds", 1.0, "first data <= 1 s"),),
        ),
        Case(
            name="livetop-demo-1000-first-data",
            argv=(LIVETOP, "demo", "--domains", "1000"),
            data_pattern=LIVETOP_DATA,
            kind="first-data",
            refresh="default",
        ),
    ]


def livetop_cases() -> list[Case]:
    cases = []
    for domains in DOMAIN_COUNTS:
        for mode in MODES:
            for cols, rows in SIZES:
                cases.append(livetop_demo(domains, mode, cols, rows))
            for colour in COLOUR_SYSTEMS:
                cases.append(livetop_demo(domains, mode, colour=colour))
    cases.append(livetop_demo(1000, "stress-all"))
    return cases


def all_cases() -> list[Case]:
    """Anchors first, so a livetop row can be compared with the btop row of its size."""
    return anchors() + startup() + livetop_cases()
