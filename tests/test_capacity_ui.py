"""The capacity message where the user looks: the status line (at once) and the account's total line (at the
end of its group), for a thousand domains on a Huawei v1 account; and gone again when a hot reload makes the
limit fit. The real app on the real engine, talking HTTP to the simulator."""

from __future__ import annotations

import tomllib

import pytest
import tomli_w

from livetop.ui.widgets.status_bar import StatusBar
from tests.test_ui_app import lines, make_app, overview_screen, until, write_config

pytestmark = pytest.mark.usefixtures("no_user_themes")

N = 1000
SCENARIO = {
    "seed": "capacity-ui",
    "latency_ms": 0,
    # rate_per_second left at the simulator's default (Huawei v1's documented 300/min): the config gets none,
    # so livetop applies the API's own limit, as for a real account.
    "accounts": [
        {"name": "hw-legacy", "vendor": "huawei", "auth": "aksk",
         "domains": [f"play{i:04d}.legacy.example.com" for i in range(N)]},
    ],
}  # fmt: skip
MESSAGE = "1000 domains at 280 req/min: each every 4.3 min"


def status_text(app) -> str:
    return app.screen.query_one(StatusBar).plain


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_a_thousand_domains_on_a_v1_account_say_how_often_each_is_asked(
    make_sim, sim_clock, tmp_path, size
):
    thread = make_sim(SCENARIO)
    config = write_config(thread, tmp_path)
    assert config.refresh_seconds == 30 and config.accounts[0].rate_per_second is None
    app = make_app(config, sim_clock)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: MESSAGE in status_text(app), "the capacity line")
        status = status_text(app).splitlines()
        line = next(s for s in status if MESSAGE in s)
        # Whole, not cut, at both sizes: the account, the figures and the refresh it cannot keep.
        assert line.startswith(f"⚠ hw-legacy: {MESSAGE}, not every 30 s"), status
        assert not line.endswith("…") and len(line) <= size[0] - 2, line
        if size[0] >= 120:  # room for what to do
            assert line == f'⚠ hw-legacy: {MESSAGE}, not every 30 s · fix: api = "v2"', (
                line
            )
        # The account's total line closes its group: at the end of the list.
        overview = overview_screen(app).overview
        await pilot.press("end")
        await pilot.pause()
        total = next(text for text in lines(overview) if "hw-legacy total" in text)
        # At 80 columns the note column is 17 cells: the shorter wording, never a cut figure.
        # Whole even beside a failing domain's count (a throttling answer may have come): the figure first.
        # (At 120 columns too once a failing count shares the column: a throttling answer under load.)
        roomy = size[0] >= 120 and "failing" not in total
        assert ("each every 4.3 min" if roomy else "every 4.3 min") in total, total
        # Rows are judged against what the limit can serve: none reads stale after two 30 s refreshes.
        sim_clock.advance(90)
        await pilot.pause(0.3)
        snap = overview_screen(app).store.snapshot()
        assert not [d for d in snap.domains if d.status == "stale"]


async def test_a_hot_reload_that_makes_the_limit_fit_takes_the_message_away(make_sim, sim_clock, tmp_path):
    thread = make_sim(SCENARIO)
    config = write_config(thread, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: MESSAGE in status_text(app), "the capacity line")
        # The user keeps 100 domains and polls every minute: 120 requests a minute (bandwidth once a minute,
        # traffic as each bucket settles), under 280.
        written = tomllib.loads(config.path.read_text())
        every_domain = written["accounts"][0]["domains"]
        written["accounts"][0]["domains"] = every_domain[:100]
        written["refresh"] = "60s"
        config.path.write_text(tomli_w.dumps(written))
        await until(pilot, lambda: "req/min" not in status_text(app), "the message to go", timeout=30)
        assert app.engine.refresh_seconds == 60
        assert app.engine.store.capacities()["hw-legacy"].fits
        # ... and back: 400 domains at 30 s need 480 a minute (the data's one-minute cadence, not the refresh,
        # sets a domain's pace: 100 domains fit at any refresh).
        written["accounts"][0]["domains"] = every_domain[:400]
        written["refresh"] = "30s"
        config.path.write_text(tomli_w.dumps(written))
        await until(
            pilot,
            lambda: (
                "⚠ hw-legacy: 400 domains at 280 req/min: each every 1.8 min, not every 30 s" in status_text(app)
            ),
            "the message for 400 domains",
            timeout=30,
        )
