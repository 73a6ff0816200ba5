"""`livetop demo` with every domain's newest figures changing every second: the stress case of issue 5.

    .venv/bin/python bench/churn.py [--every SECONDS] [--scope visible|all] [DEMO OPTIONS...]

A 1 s poll of a thousand domains cannot go over HTTP (the vendors allow 5 requests a second per account,
and on two cores the simulator alone would eat a core), so this driver runs the real `livetop demo` —
simulator child, engine polling it at `--refresh`, the real app — and adds one thing: every `--every`
seconds it writes a new value of the newest bandwidth and traffic bucket of domains into the engine's
store, exactly as a successful fetch would (Store.record_success), without a request. `--scope visible`
(the default) changes every domain whose row is on screen, so every visible row, every account total and
the grand total change each tick; `--scope all` changes all of them, as a 1 s poll of every domain would.

This is a bench-side hook (it wraps `livetop.cli.tui.run_tui` to schedule the ticker on the app's loop); a
`livetop demo --churn` flag would make it unnecessary.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script, this folder is sys.path[0], where bench/tty.py would shadow the standard `tty` module
    # (Textual's driver imports it): put the checkout there instead, so `bench` is importable as a package.
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

# Each tick multiplies a domain's newest values by one of these, never the same twice in a row.
WOBBLE = (0.96, 1.03, 0.98, 1.05, 0.97, 1.02, 0.99, 1.04)


def on_screen_keys(app) -> list:
    """The domains whose rows the overview shows right now (none while another screen is on top)."""
    overview = getattr(app.screen, "overview", None)
    if overview is None:
        return []
    top = int(overview.scroll_offset.y)
    rows = overview._rows[top : top + overview.size.height]  # bench-only peek at the widget's row model
    return [row.ident for row in rows if row.kind == "domain"]


class Churn:
    """Rewrites the newest bucket of domains, around the value the poll last brought."""

    def __init__(self, store, keys) -> None:
        self.store = store
        self.keys = keys  # () -> the domains to change this tick
        self.ticks = 0
        self._base: dict = {}  # key -> (bucket_start, bandwidth_bps, traffic_bytes) as last polled

    def tick(self) -> None:
        from livetop.engine.store import RequestRecord
        from livetop.model import FetchResult, Sample

        self.ticks += 1
        now = self.store.clock.now()
        for index, key in enumerate(self.keys()):
            snap = self.store.domain(key)
            if snap is None or snap.error is not None or snap.last_bucket is None:
                continue  # a failing domain stays failed: churn only moves healthy rows
            bw_last, tr_last = snap.bandwidth.last(), snap.traffic.last()
            if bw_last is None or tr_last is None:
                continue
            base = self._base.get(key)
            if base is None or base[0] != bw_last[0]:  # a new bucket arrived from the vendor: follow it
                base = self._base[key] = (bw_last[0], bw_last[1], tr_last[1])
            factor = WOBBLE[(self.ticks + index) % len(WOBBLE)]
            start = datetime.fromtimestamp(base[0], tz=timezone.utc)
            result = FetchResult(
                bandwidth=[Sample(start, base[1] * factor)], traffic=[Sample(start, base[2] * factor)]
            )
            record = RequestRecord(now, True, 200, "", 0.0, 0, start, start)
            self.store.record_success(key, result, record)


def install(every: float, scope: str) -> None:
    """Make the next `run_tui` start a Churn ticker on the app's event loop once the app is mounted."""
    import livetop.cli.tui as tui

    original_run_tui = tui.run_tui

    def run_tui(config, **kwargs):
        from livetop.ui.app import LivetopApp

        original_mount = LivetopApp.on_mount

        async def on_mount(self) -> None:
            await original_mount(self)
            keys = self.store.keys if scope == "all" else (lambda: on_screen_keys(self))
            self.bench_churn = Churn(self.store, keys)
            self.set_interval(every, self.bench_churn.tick, name="bench churn")

        LivetopApp.on_mount = on_mount
        return original_run_tui(config, **kwargs)

    tui.run_tui = run_tui


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], add_help=True)
    parser.add_argument("--every", type=float, default=1.0, help="seconds between churn ticks (default 1)")
    parser.add_argument("--scope", choices=("visible", "all"), default="visible",
                        help="change the domains on screen (default) or all of them")  # fmt: skip
    args, demo_args = parser.parse_known_args(argv)
    if args.every <= 0:
        parser.error("--every must be positive")
    install(args.every, args.scope)
    from livetop.cli import main as livetop_main

    return livetop_main(["demo", *demo_args])


if __name__ == "__main__":
    raise SystemExit(main())
