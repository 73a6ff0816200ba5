"""Text from the config or a vendor is shown as it is, never read as markup: a bracket in a label, an account
name, a vendor's message, a [keys] entry or a notification must neither vanish, nor style the screen, nor
crash it. Real app, real engine, the simulator and a broken gateway over HTTP."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets._toast import Toast

from livetop.config.load import load_config
from livetop.engine.store import DomainKey
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.screens.help import HelpScreen
from tests.test_ui_app import SIZE, TALL, lines, make_app, plain, record_notices, started, ui_scenario, until

pytestmark = pytest.mark.usefixtures("no_user_themes")

LABEL_CLOSE = "Final [/] x"  # Rich and Textual markup: a closing tag with nothing open
LABEL_BOLD = "[b]bold[/b] cup"
JD_ACCOUNT = "jd-[live]"
GATEWAY_ACCOUNT = "hw-[gw]"
GATEWAY_DOMAIN = "play.gateway.example.com"
# What a proxy in front of the vendor may answer: its HTML excerpt carries a path in brackets.
GATEWAY_PAGE = (
    b"<html><body><h1>503 Service Unavailable</h1><p>upstream [/live/app] [b]down[/b]</p></body></html>"
)


class _Gateway(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(503)  # its own error group: the demo has a 502 domain
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(GATEWAY_PAGE)))
        self.end_headers()
        self.wfile.write(GATEWAY_PAGE)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:  # quiet test output
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    """A broken HTTP gateway on 127.0.0.1: every request gets an nginx-style 503 HTML page."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def bracketed_config(sim, gateway: str, tmp_path: Path, **keys):
    """The demo's config with brackets in a label, an account name and (through the gateway) a vendor message."""
    import os

    import tomli_w

    data = sim.sim.config_dict(timeout="1s")
    hw = data["accounts"][0]
    first = hw["domains"][0]
    hw["domains"][0] = {"name": first if isinstance(first, str) else first["name"], "label": LABEL_CLOSE}
    second = hw["domains"][1]
    hw["domains"][1] = {"name": second if isinstance(second, str) else second["name"], "label": LABEL_BOLD}
    jd = next(a for a in data["accounts"] if a["vendor"] == "jdcloud")
    jd["name"] = JD_ACCOUNT
    broken = dict(hw, name=GATEWAY_ACCOUNT, endpoint=gateway, domains=[GATEWAY_DOMAIN])
    data["accounts"].append(broken)
    if keys:
        data["keys"] = keys
    path = tmp_path / "livetop.toml"
    path.write_text(tomli_w.dumps(data))
    os.chmod(path, 0o600)
    return load_config(path)


def hw_key(config, index: int) -> DomainKey:
    account = config.accounts[0]
    return DomainKey(account.name, account.domains[index].name)


async def test_brackets_in_labels_accounts_and_vendor_messages_are_shown_as_typed(
    make_sim, sim_clock, gateway, tmp_path
):
    sim = make_sim(ui_scenario())
    config = bracketed_config(sim, gateway, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=TALL) as pilot:
        screen = await started(pilot, app)
        text = "\n".join(lines(screen.overview))
        assert LABEL_CLOSE in text and LABEL_BOLD in text and JD_ACCOUNT in text
        await until(
            pilot, lambda: "HTTP 503" in screen.error_panel.plain_text(width=200), "the gateway error"
        )
        panel = screen.error_panel.plain_text(width=200)
        assert f"{GATEWAY_ACCOUNT}/{GATEWAY_DOMAIN}" in panel and "[b]down[/b]" in panel
        jd_failing = [d for d in screen.overview.snapshot.domains if d.account == JD_ACCOUNT and d.error]
        assert jd_failing and f"{JD_ACCOUNT}/{jd_failing[0].domain}" in panel

        for key, label in ((hw_key(config, 0), LABEL_CLOSE), (hw_key(config, 1), LABEL_BOLD)):
            app.open_drilldown(key)
            await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown")
            await pilot.pause()
            title = app.screen.query_one("#dd-title").render()
            assert label in title.plain, title.plain
            assert not getattr(title, "spans", None), title  # the label's [b] made nothing bold
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen, "the overview")

        app.open_drilldown(DomainKey(GATEWAY_ACCOUNT, GATEWAY_DOMAIN))
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the gateway domain's drilldown")
        await pilot.pause()
        drill = app.screen
        assert GATEWAY_ACCOUNT in drill.query_one("#dd-title").render().plain
        errors = plain(drill.query_one("#dd-errors").content, width=200)
        assert "[/live/app]" in errors and "[b]down[/b]" in errors
        await pilot.press("escape")

        jd = jd_failing[0].key
        app.open_drilldown(jd)
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the JD drilldown")
        await pilot.pause()
        assert f"{JD_ACCOUNT} / {jd.domain}" in app.screen.query_one("#dd-title").render().plain
        await pilot.press("escape")
        assert app.is_running


async def test_a_bracketed_key_in_keys_is_refused_with_a_readable_warning_and_help_still_opens(
    make_sim, sim_clock, gateway, tmp_path
):
    sim = make_sim(ui_scenario())
    config = bracketed_config(sim, gateway, tmp_path, **{"overview.freeze": "[/]", "overview.sortt": "z"})
    app = make_app(config, sim_clock)
    notices = record_notices(app)  # as given: a toast may expire before a loaded machine looks
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await started(pilot, app)
        notes = [n.message for n in notices]
        assert any("'[/]'" in m and "overview.freeze" in m for m in notes), notes
        await until(pilot, lambda: bool(app.screen.query(Toast)), "the notifications on screen")
        shown = "\n".join(toast.render().plain for toast in app.screen.query(Toast))
        assert "[keys] 'overview.sortt' is not a livetop binding id" in shown, shown
        assert "'[/]'" in shown
        await pilot.press("f")  # the refused key leaves the default in place
        assert app.screen.overview.frozen
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        table = plain(app.screen.query_one("#help-table").content, width=160)
        freeze = next(line for line in table.splitlines() if "overview.freeze" in line)
        assert freeze.split()[0] == "f", freeze
        assert app.is_running


def test_help_shows_any_key_label_as_typed():
    from livetop.ui.bindings import BindingInfo
    from livetop.ui.screens.help import help_table

    info = BindingInfo("overview.freeze", ("[/]", "[b]x[/b]"), "Freeze", "Freeze [b]now[/b]", "freeze")
    text = plain(help_table([("Overview", [info])], lambda key: key), width=120)
    assert "[/] [b]x[/b]" in text and "Freeze [b]now[/b]" in text


async def test_notifications_show_brackets(make_sim, sim_clock, tmp_path):
    from tests.test_ui_app import write_config

    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    config = replace(config, ui=replace(config.ui, theme="[b]nope[/b]"))
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await until(pilot, lambda: bool(app.screen.query(Toast)), "the notification")
        shown = "\n".join(toast.render().plain for toast in app.screen.query(Toast))
        assert "'[b]nope[/b]' not found" in shown, shown
