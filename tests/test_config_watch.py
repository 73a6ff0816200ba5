"""Config edits apply to a running engine without a restart; a broken edit keeps the last good config."""

from __future__ import annotations

import asyncio
import os

from livetop.config import load_config
from livetop.engine import DomainKey, Engine
from livetop.engine.watch import ConfigWatcher

SCENARIO = {
    "seed": "watch-tests",
    "latency_ms": 0,
    "accounts": [{"name": "jd", "vendor": "jdcloud", "domains": ["a.example.com", "b.example.com"]}],
}


def _touch_later(path) -> None:
    # Some filesystems keep a coarse mtime: make sure the edit is visible as a change.
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


async def test_an_added_domain_is_polled_and_a_removed_one_dropped(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    path = thread.sim.write_config(tmp_path / "c.toml")
    engine = Engine(load_config(path), clock=sim_clock, stagger=False)
    applied, errors = [], []
    watcher = ConfigWatcher(engine, path, interval=0.05, on_applied=applied.append, on_error=errors.append)
    await engine.start()
    watcher.start()
    try:
        text = path.read_text()
        path.write_text(text.replace('"a.example.com",', "").replace('"b.example.com"', '"b.example.com", "c.example.com"'))
        _touch_later(path)
        for _ in range(3000):  # 60 s at most: the bound turns a hang into a failure
            if applied:
                break
            await asyncio.sleep(0.02)
        assert applied and not errors
        keys = set(engine.store.keys())
        assert keys == {DomainKey("jd", "b.example.com"), DomainKey("jd", "c.example.com")}
        for _ in range(3000):  # the new domain is polled (and refused: the vendor does not know it)
            if engine.store.domain(DomainKey("jd", "c.example.com")).error is not None:
                break
            await asyncio.sleep(0.02)
        assert engine.store.domain(DomainKey("jd", "c.example.com")).error.code.startswith("JD.STATUS")
    finally:
        await watcher.stop()
        await engine.stop()


async def test_a_broken_edit_is_reported_and_the_last_good_config_keeps_running(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    path = thread.sim.write_config(tmp_path / "c.toml")
    engine = Engine(load_config(path), clock=sim_clock, stagger=False)
    errors = []
    watcher = ConfigWatcher(engine, path, on_error=errors.append)
    await engine.start()
    path.write_text(path.read_text().replace('vendor = "jdcloud"', 'vendor = "jdclod"'))
    _touch_later(path)
    assert await watcher.check() is False
    assert len(errors) == 1
    assert str(path) in errors[0] and "accounts[0].vendor" in errors[0] and "last good config" in errors[0]
    assert len(engine.store.keys()) == 2
    assert await watcher.check() is False and len(errors) == 1  # reported once per edit, not every look
    path.unlink()
    assert await watcher.check() is False and "gone" in errors[-1]
    await engine.stop()


async def test_an_unrelated_edit_keeps_the_users_zoom(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    path = thread.sim.write_config(tmp_path / "c.toml")
    engine = Engine(load_config(path), clock=sim_clock, stagger=False)
    watcher = ConfigWatcher(engine, path)
    await engine.start()
    try:
        engine.set_window(24 * 3600)  # the user zoomed out
        path.write_text(path.read_text() + '\n[ui]\ntheme = "livetop-light"\n')  # e.g. the TUI saving a theme
        _touch_later(path)
        assert await watcher.check() is True
        assert engine.store.window_seconds == 24 * 3600
        path.write_text(path.read_text().replace('window = "1h"', 'window = "3h"'))  # the window itself edited
        _touch_later(path)
        assert await watcher.check() is True
        assert engine.store.window_seconds == 3 * 3600
    finally:
        await engine.stop()
