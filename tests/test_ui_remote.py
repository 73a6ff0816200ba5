"""A viewer attached to a collector (`livetop --remote URL`) shows what a local livetop shows: the same rows,
the same drilldown figures; `r` is forwarded, a zoom beyond the collector's window is refused with a message,
and a collector that goes away turns the screen stale with a reconnect countdown."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from livetop.config.load import load_config
from livetop.engine import Engine
from livetop.remote.source import RemoteSource
from livetop.serve.server import Collector
from livetop.ui.app import LivetopApp
from livetop.ui.screens.drilldown import DrilldownScreen, Figures
from tests.test_serve import SCENARIO, start_collector
from tests.test_serve_prometheus import free_port
from tests.test_ui_app import SIZE, lines, overview_screen, started, ui_scenario, until

pytestmark = pytest.mark.usefixtures("no_user_themes")
TALL = (120, 90)


async def screen_of(app: LivetopApp, domain: str, size=SIZE) -> tuple[list[str], dict, str]:
    async with app.run_test(size=size) as pilot:
        screen = await started(pilot, app)
        rows = lines(screen.overview)
        if isinstance(app.engine, RemoteSource):
            await until(pilot, lambda: "⇄" in screen.status_bar.render().plain, "the collector on the status line")
        status = screen.status_bar.render().plain
        ov = screen.overview
        while ov.selected_key is None or ov.selected_key.domain != domain:
            await pilot.press("j")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
        await pilot.pause()
        figures = dict(app.screen.query_one(Figures)._pairs)
    return rows, figures, status


async def test_a_remote_viewer_shows_the_same_rows_and_figures_as_a_local_one(make_sim, sim_clock, tmp_path):
    thread = make_sim(ui_scenario())
    collector = await start_collector(thread, tmp_path, sim_clock)
    config = collector.config
    try:
        local = LivetopApp(config, Engine(config, sim_clock, stagger=False), clock=sim_clock,
                           persist_theme=False, watch_terminal=False, watch_config=False)
        # Tall enough for every row beside the error panel: neither screen scrolls or drops a row.
        local_rows, local_figures, local_status = await screen_of(local, "play.concert.example.cn", TALL)
        source = RemoteSource(collector.url, clock=sim_clock)
        remote = LivetopApp(config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                            watch_config=False)
        remote_rows, remote_figures, status = await screen_of(remote, "play.concert.example.cn", TALL)
        # Row for row, character for character (the panels below may be laid out a frame apart).
        assert [r for r in remote_rows if r.strip()] == [r for r in local_rows if r.strip()]
        assert len([r for r in remote_rows if r.strip()]) > len(config.accounts) + sum(
            len(a.domains) for a in config.accounts)
        assert remote_figures == local_figures and "bps" in remote_figures["now"]
        where = collector.url.split("://")[1]
        assert status.startswith(f"⇄ {where} · ") and status.removeprefix(f"⇄ {where} · ") == local_status
    finally:
        await collector.stop()


async def test_a_remote_viewer_forwards_r_refuses_a_long_zoom_and_shows_a_collector_gone(
    make_sim, sim_clock, tmp_path
):
    thread = make_sim(ui_scenario())
    collector = await start_collector(thread, tmp_path, sim_clock)
    source = RemoteSource(collector.url, clock=sim_clock)
    app = LivetopApp(collector.config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = await started(pilot, app)
            before = len(thread.sim.log)
            await pilot.press("r")
            await until(pilot, lambda: len(thread.sim.log) > before, "the collector to poll")
            await pilot.press("minus")  # 1h -> 3h: more than the collector keeps
            await until(pilot, lambda: any("collector keeps 1h" in str(n.message)
                                           for n in app._notifications), "the refusal")
            assert screen.status_bar.render().plain.count("window 1h") == 1
            await collector.stop()
            await until(pilot, lambda: "reconnecting in" in screen.status_bar.render().plain, "the countdown")
            rows = lines(screen.overview)
            shown = [r for r in rows if r[:1] in "●◐✖·‖" and r.strip()]
            assert shown and all(r.startswith("◐") for r in shown), shown
    finally:
        await collector.stop()


# --- before the collector's first snapshot ------------------------------------------------------------------


def note(screen) -> str:
    """The overview's line while it shows no domain (the first line under the header)."""
    return lines(screen.overview)[1].strip()


def status(screen) -> str:
    return screen.status_bar.plain.splitlines()[0]


def domain_rows(screen) -> int:
    snap = screen.overview.snapshot
    return len(snap.domains) if snap is not None else 0


@pytest.mark.parametrize("size", [SIZE, (80, 24)], ids=["120x40", "80x24"])
async def test_a_viewer_of_a_closed_port_says_the_collector_is_unreachable_until_it_starts(
    make_sim, sim_clock, tmp_path, size
):
    """Not "no domains watched": the viewer has not heard from its collector. It says why (connection refused)
    in the overview and on the status line, which at 80 columns says it shorter but keeps it; it claims no
    domain count and no polling. The collector started afterwards on that port brings the rows by itself."""
    thread = make_sim(SCENARIO)
    config = load_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    port = free_port()  # closed: nothing listens there until the collector below
    where = f"127.0.0.1:{port}"
    source = RemoteSource(f"http://{where}", clock=sim_clock)
    app = LivetopApp(config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    collector = None
    try:
        async with app.run_test(size=size) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: "refused" in note(screen) + status(screen), "the refusal")
            await until(pilot, lambda: "refused" in note(screen) and "refused" in status(screen), "both")
            assert note(screen) == f"collector at {where} unreachable (connection refused), retrying"
            line = status(screen)
            if size == SIZE:
                assert line.startswith(f"⇄ {where} unreachable (connection refused): retrying in "), line
            else:  # the address gives way; the reason and the countdown stay
                assert line.startswith("⇄ unreachable (connection refused): retry in "), line
            assert "domains unknown" in line and "0 domains" not in line and "polled" not in line, line
            assert "no domains watched" not in "\n".join(lines(screen.overview))
            collector = Collector(config, Engine(config, sim_clock, stagger=False), "127.0.0.1", port,
                                  feed_interval=0.05)
            await collector.start()
            await until(pilot, lambda: domain_rows(screen) == 5, "the collector's rows", timeout=60)
            await until(pilot, lambda: status(screen).startswith(f"⇄ {where} · 5 domains"), "the status line")
            assert "refused" not in "\n".join(lines(screen.overview))
    finally:
        if collector is not None:
            await collector.stop()


class Gate:
    """A TCP relay in front of a real collector that holds its answer: the response's head until `head` is
    set, the rest (the feed: its snapshot first) until `body` is set. A collector slow to answer, or a proxy
    that buffers the stream."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.head = asyncio.Event()
        self.body = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)

        async def pump(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()

        async def answer() -> None:
            await self.head.wait()
            head = await up_reader.readuntil(b"\r\n\r\n")
            writer.write(head)
            await writer.drain()
            await self.body.wait()
            await pump(up_reader, writer)

        self._spawn(pump(reader, up_writer))
        self._spawn(answer())


async def test_a_viewer_says_it_waits_for_a_slow_collector_then_shows_its_rows(make_sim, sim_clock, tmp_path):
    """A collector that is slow to answer, then slow to send its first snapshot: the viewer says it waits for
    it, then that it is connected and waits for the snapshot; never "no domains watched" nor "0 domains"."""
    thread = make_sim(SCENARIO)
    collector = await start_collector(thread, tmp_path, sim_clock)
    gate = Gate(collector.http.port)
    await gate.start()
    where = f"127.0.0.1:{gate.port}"
    source = RemoteSource(f"http://{where}", clock=sim_clock)
    app = LivetopApp(collector.config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: note(screen).startswith("waiting"), "the first frame")
            assert note(screen) == f"waiting for the collector at {where}…"
            assert status(screen).startswith(f"⇄ {where}: connecting… · domains unknown · "), status(screen)
            gate.head.set()
            await until(pilot, lambda: note(screen).startswith("connected"), "the collector's answer")
            assert note(screen) == f"connected to the collector at {where}, waiting for its first snapshot…"
            waiting = f"⇄ {where}: connected, waiting for its first snapshot… · domains unknown"
            assert status(screen).startswith(waiting), status(screen)
            gate.body.set()
            await until(pilot, lambda: domain_rows(screen) == 5, "the collector's rows")
            await until(pilot, lambda: status(screen).startswith(f"⇄ {where} · 5 domains"), "the status line")
            assert "waiting" not in "\n".join(lines(screen.overview))
    finally:
        await gate.stop()
        await collector.stop()


async def test_a_collector_watching_no_domain_is_said_to_watch_none(make_sim, sim_clock, tmp_path):
    """"No domains watched" when the collector said so, and whose they are."""
    thread = make_sim(SCENARIO)
    config = load_config(thread.sim.write_config(tmp_path / "c.toml", timeout="3s"))
    empty = replace(config, accounts=tuple(replace(a, domains=()) for a in config.accounts))
    collector = Collector(empty, Engine(empty, sim_clock, stagger=False), "127.0.0.1", 0, feed_interval=0.05)
    await collector.start()
    where = collector.url.split("://")[1]
    source = RemoteSource(collector.url, clock=sim_clock)
    app = LivetopApp(config, source, clock=sim_clock, persist_theme=False, watch_terminal=False,
                     watch_config=False, tick_seconds=0.1)
    try:
        async with app.run_test(size=SIZE) as pilot:
            screen = overview_screen(app)
            await until(pilot, lambda: status(screen).startswith(f"⇄ {where} · "), "the feed")
            said = f"no domains watched by the collector at {where}"
            await until(pilot, lambda: note(screen) == said, "the note")
            assert "0 domains" in status(screen)
    finally:
        await collector.stop()
