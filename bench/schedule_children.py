"""The two child processes of bench/schedule.py: a counting simulator and a headless engine that records.

    python bench/schedule_children.py sim SCENARIO CONFIG_OUT COUNTS_OUT
    python bench/schedule_children.py engine ROOT CONFIG OBSERVATIONS_OUT

`sim` runs the vendor simulator (`livetop.sim.server.Simulator`, the server `livetop simulate` runs) of the
checkout this file belongs to, in its own process, and counts every request it answers per account and
outcome (its own request log, so refused and throttled answers count too); once a second it appends the
running totals to COUNTS_OUT. Its first stdout lines are `listening on URL` and `anchor TS` (the time its
broadcast events are placed from, which the truth computation needs).

`engine` runs `livetop.engine.Engine` (the engine the TUI runs, headless) of the checkout at ROOT: ROOT goes
first on sys.path, so the "before" side runs the old engine's code while this harness stays the same. Every
second, at the half second, it takes the store's snapshot (as the TUI does) and appends one JSON line with
the domains whose snapshot changed: [index, updated_at, newest bandwidth bucket start, its value]. It prints
`warm T` once every domain has data.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stop.wait(), timeout=max(0.0, seconds))
    except TimeoutError:
        return False
    return True


# --- the counting simulator -------------------------------------------------------------------------------


async def run_sim(scenario_path: str, config_out: str, counts_out: str) -> int:
    from livetop.model import floor_to
    from livetop.sim.scenario import load_scenario
    from livetop.sim.server import EVENT_ANCHOR_SECONDS, RequestLogBook, Simulator

    counts: dict[str, dict[str, int]] = {}

    class CountingLog(RequestLogBook):
        def append(self, entry) -> None:  # type: ignore[override]
            outcome = "ok" if entry.status == 200 and not entry.code else (entry.code or str(entry.status))
            per = counts.setdefault(entry.account or "?", {})
            per[outcome] = per.get(outcome, 0) + 1
            super().append(entry)

    stop = _stop_event()
    scenario = load_scenario(scenario_path)
    while True:  # the anchor is the start time floored to 5 minutes: make sure which one it was
        before = time.time()
        sim = Simulator(scenario)
        after = time.time()
        if int(before) // EVENT_ANCHOR_SECONDS == int(after) // EVENT_ANCHOR_SECONDS:
            break
    anchor = int(floor_to(sim.clock.now(), EVENT_ANCHOR_SECONDS).timestamp())
    sim.log = sim.context.log = CountingLog(maxlen=1000)
    await sim.start()
    try:
        sim.write_config(config_out)
        print(f"listening on {sim.url}", flush=True)
        print(f"anchor {anchor}", flush=True)
        with open(counts_out, "w") as out:
            while True:
                out.write(json.dumps({"t": time.time(), "c": counts}) + "\n")
                out.flush()
                if await _sleep_or_stop(stop, 1.0):
                    out.write(json.dumps({"t": time.time(), "c": counts}) + "\n")
                    return 0
    finally:
        await sim.stop()


# --- the recording engine ---------------------------------------------------------------------------------


async def run_engine(root: str, config_path: str, observations_out: str) -> int:
    from livetop.config.load import load_config
    from livetop.engine import Engine

    import livetop

    stop = _stop_event()
    config = load_config(Path(config_path))
    engine = Engine(config)
    await engine.start()
    loaded_from = str(Path(livetop.__file__).resolve().parent.parent)
    try:
        with open(observations_out, "w") as out:
            snap = engine.store.snapshot()
            names = [str(d.key) for d in snap.domains]
            out.write(json.dumps({"root": loaded_from, "domains": names}) + "\n")
            versions = [None] * len(names)
            warm = False
            while True:
                now = time.time()
                half = int(now) + (1.5 if now % 1 >= 0.5 else 0.5)  # sample at the half second
                if await _sleep_or_stop(stop, half - now):
                    return 0
                t = time.time()
                snap = engine.store.snapshot()
                changed = []
                with_data = 0
                for i, d in enumerate(snap.domains):
                    if d.updated_at is not None:
                        with_data += 1
                    if d.version == versions[i]:
                        continue
                    versions[i] = d.version
                    last = d.bandwidth.last()
                    changed.append([
                        i,
                        d.updated_at.timestamp() if d.updated_at is not None else None,
                        last[0] if last else None,
                        last[1] if last else None,
                    ])
                out.write(json.dumps({"t": t, "n": with_data, "c": changed}) + "\n")
                out.flush()
                if not warm and with_data == len(names):
                    warm = True
                    print(f"warm {t}", flush=True)
    finally:
        await engine.stop()


def main(argv: list[str]) -> int:
    # Run as a script, sys.path[0] is bench/, where bench/tty.py would shadow the standard `tty` module: it
    # becomes the checkout whose livetop is to run (this one for the simulator, ROOT for an engine).
    engine = argv[:1] == ["engine"] and len(argv) == 4
    sys.path[0] = argv[1] if engine else str(Path(__file__).resolve().parent.parent)
    if argv[:1] == ["sim"] and len(argv) == 4:
        return asyncio.run(run_sim(*argv[1:]))
    if argv[:1] == ["engine"] and len(argv) == 4:
        return asyncio.run(run_engine(*argv[1:]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
