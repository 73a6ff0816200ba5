"""Fixtures shared by the integration tests: a real simulator on a free port, and a config pointing at it.

The simulator and the client must share one clock object (`sim_clock`), so a test expires tokens and ages
data by advancing it instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from livetop.clock import Clock, ManualClock
from livetop.config.schema import Config
from livetop.sim.scenario import Scenario, load_scenario, parse_scenario
from livetop.sim.server import SimulatorThread

# A fixed "now" for every simulator test: a Friday, 20:00 in Beijing (prime time).
SIM_START = datetime(2026, 11, 20, 12, 0, 0, tzinfo=timezone.utc)
# Clients under test must give up on the demo's "timeout" domain quickly.
TEST_CLIENT_TIMEOUT = "3s"


def last_hour_buckets(begun: datetime, ended: datetime) -> tuple[int, int]:
    """(least, most) 5-minute buckets holding a completed minute in the last hour, for a `livetop query` run
    between `begun` and `ended` on the real clock.

    Its "now" is somewhere in between: its hour may start past a 5-minute boundary that `begun`'s did not and
    lose that first bucket, a minute before a new one completes at the end. So at least the buckets of the
    latest possible hour as they stood at `begun`, at most those of the earliest possible hour as they stood
    at `ended` (whole seconds: the wire's start may be floored).
    """
    import math
    from datetime import timedelta

    from livetop.sim.data import buckets

    def held(first: int, now: datetime) -> int:
        return len(buckets(lambda minute: 1.0, first, 2**40, 300, now.timestamp()))

    least = held(math.ceil((ended - timedelta(hours=1)).timestamp()), begun)
    most = held(math.floor((begun - timedelta(hours=1)).timestamp()), ended)
    return least, most


def demo_scenario_for_tests() -> Scenario:
    """The shipped demo scenario without its added latency (the requests stay real; the waiting does not)."""
    return load_scenario(None).with_knobs(latency_ms=0.0, latency_jitter_ms=0.0)


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock(SIM_START)


@pytest.fixture
def make_sim(sim_clock: ManualClock) -> Iterator[Callable[..., SimulatorThread]]:
    """Factory: `make_sim(scenario=..., clock=...)` starts a simulator and stops it after the test.

    `scenario` may be a Scenario, a dict (as a scenario TOML would parse), a path, or None (the demo without
    latency). `clock` defaults to the shared `sim_clock`.
    """
    started: list[SimulatorThread] = []

    def factory(
        scenario: Scenario | dict[str, Any] | str | Path | None = None, clock: Clock | None = None
    ) -> SimulatorThread:
        if scenario is None:
            scenario = demo_scenario_for_tests()
        elif isinstance(scenario, dict):
            scenario = parse_scenario(scenario, source="<test scenario>")
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        thread = SimulatorThread(scenario, clock=clock or sim_clock).start()
        started.append(thread)
        return thread

    yield factory
    for thread in started:
        thread.stop()


@pytest.fixture
def sim(make_sim: Callable[..., SimulatorThread]) -> SimulatorThread:
    """The demo scenario on a free port, on `sim_clock`. `.url`, `.sim` (the Simulator: log, iam_calls...)."""
    return make_sim()


@pytest.fixture
def sim_config(sim: SimulatorThread, tmp_path: Path) -> Config:
    """The Config a user gets from `livetop simulate --write-config` (mode 0600, inline secrets)."""
    path = sim.sim.write_config(tmp_path / "livetop.toml", timeout=TEST_CLIENT_TIMEOUT)
    return load_sim_config(path)


def load_sim_config(path: Path) -> Config:
    """Read a config written by the simulator with livetop's own loader (as `livetop --config` would)."""
    from livetop.config.load import load_config

    return load_config(path)


@pytest.fixture
def no_user_themes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """UI tests see the shipped themes only (not whatever the machine's user put in ~/.config) and draw in
    colour whatever the developer's NO_COLOR says. Use with `pytestmark = pytest.mark.usefixtures(...)`."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.fixture(autouse=True)
def _private_history(tmp_path_factory, monkeypatch):
    """No test records into the real `$XDG_STATE_HOME/livetop/history.sqlite` (the TUI records by default)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
    monkeypatch.delenv("LIVETOP_HISTORY", raising=False)


@pytest.fixture(autouse=True)
def _press_returns_once_the_keys_are_handled(monkeypatch: pytest.MonkeyPatch) -> None:
    """`pilot.press(...)` returns once the app has handled the keys, as the tests read it.

    Textual's own press sends each key through the driver (a task that posts it to the app), waits for the
    process to look idle (CPU time against wall time over 20 ms) and then for the messages queued at that
    moment. On a loaded machine the process is not scheduled for those 20 ms, looks idle, and the key reaches
    the app (or the widget the app forwards it to) after press returned: a test then read the state from
    before the key. Here press also waits until no node of the screen has a message left to handle.
    """
    from textual.pilot import Pilot

    press = Pilot.press

    async def press_and_settle(self: Pilot, *keys: str) -> None:
        await press(self, *keys)
        app = self.app
        for _ in range(100):  # a bound: timers keep adding messages to a busy screen
            await self._wait_for_screen()
            try:
                nodes = [app, *app.screen.walk_children(with_self=True)]
            except Exception:  # no screen any more: the keys made the app exit
                return
            if not any(node.message_queue_size for node in nodes):
                return

    monkeypatch.setattr(Pilot, "press", press_and_settle)


def paint_pending(app) -> bool:
    """The screen has something still to write: a message not yet handled by a node of the screen, a widget's
    refresh not yet passed to the screen, or the screen's own layout or repaint not yet run."""
    screen = app.screen
    if any(node.message_queue_size for node in (app, *screen.walk_children(with_self=True))):
        return True
    if (
        screen._layout_required
        or screen._scroll_required
        or screen._repaint_required
        or screen._recompose_required
        or screen._dirty_widgets
    ):
        return True
    return any(w._repaint_required or w._layout_required for w in screen.walk_children())


async def painted(pilot, timeout: float = 60.0) -> None:
    """Wait until the screen has written all it was asked to. `pilot.pause()` alone trusts Textual's idle check,
    which a loaded machine passes before the paint: a test that spies on what is written then saw the paint
    from before its spy (the whole overview, in a test that asserts one row is not redrawn) or missed its own."""
    await pilot.pause()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while paint_pending(pilot.app):
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the screen to paint")
        await pilot.pause(0.02)
