"""Keys, help, command palette, themes and config edits of the running TUI (real engine, simulator over HTTP)."""

from __future__ import annotations

import pytest
from textual.content import Content

from livetop.ui.bindings import RESERVED_KEYS
from livetop.ui.screens.drilldown import DrilldownScreen
from livetop.ui.screens.help import HelpScreen
from livetop.ui.screens.overview import OverviewScreen
from tests.test_ui_app import (
    SIZE,
    lines,
    make_app,
    plain,
    record_notices,
    started,
    ui_scenario,
    until,
    write_config,
)


def first_hit(app) -> str:
    """The palette's first search hit, "" while it has none (searching is asynchronous)."""
    from textual.command import CommandList

    found = app.screen.query(CommandList)
    if not found or not found.first().option_count:
        return ""
    prompt = found.first().get_option_at_index(0).prompt
    return prompt.plain if hasattr(prompt, "plain") else str(prompt)


pytestmark = pytest.mark.usefixtures("no_user_themes")  # tests/conftest.py


async def test_t_cycles_the_livetop_themes_and_saves_the_choice(make_sim, sim_clock, tmp_path):
    from livetop.config.load import load_config

    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock, persist_theme=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.theme == "livetop-dark"
        assert {"livetop-dark", "livetop-light", "livetop-ansi"} <= set(app.theme_names)
        seen = []
        for _ in app.theme_names:
            await pilot.press("t")
            # Saved once the new theme has been drawn (a screen refresh after the key; on a loaded machine the
            # key itself may be handled after press() returns).
            await until(pilot, lambda: len(app.saved_themes) == len(seen) + 1, "the next theme to be saved")
            seen.append(app.theme)
            assert load_config(config.path).ui.theme == app.theme
        assert sorted(seen) == sorted(app.theme_names) and seen[-1] == "livetop-dark"
        assert app.saved_themes == seen


BROKEN_THEME = """name = "broken"
primary = "#4aa3df"
[variables]
"block-cursor-background" = "not-a-colour"
"""


async def test_a_configured_theme_that_cannot_be_drawn_falls_back_to_the_default(
    make_sim, sim_clock, tmp_path
):
    from livetop.config.edit import set_ui_value
    from livetop.config.load import load_config

    user_themes = tmp_path / "xdg" / "livetop" / "themes"
    user_themes.mkdir(parents=True)
    (user_themes / "broken.toml").write_text(BROKEN_THEME)
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    set_ui_value(config.path, "theme", "broken")  # chosen when it still worked, say
    config = load_config(config.path)
    app = make_app(config, sim_clock, persist_theme=True)
    notices = record_notices(app)  # as given: a toast may expire before a loaded machine looks
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        assert app.theme == "livetop-dark" and app.is_running
        notes = " ".join(n.message for n in notices)
        assert "broken.toml: variables.block-cursor-background = 'not-a-colour' is not a colour" in notes
        assert "theme 'broken' not found" in notes and "using livetop-dark" in notes
        await pilot.press("t")
        await until(pilot, lambda: app.saved_themes == ["livetop-light"], "the next theme to be saved")
        assert load_config(config.path).ui.theme == "livetop-light" and app.is_running


async def test_t_skips_a_theme_that_cannot_be_drawn_and_never_saves_it(make_sim, sim_clock, tmp_path):
    from textual.theme import Theme

    from livetop.config.load import load_config
    from livetop.ui import themes

    found = themes.load_themes([themes.shipped_themes_dir()])
    # Registered without the file checks (as a theme from elsewhere might be): the app's own check catches it.
    found.themes["livetop-zz"] = Theme(
        name="livetop-zz", primary="#4aa3df", variables={"block-cursor-background": "not-a-colour"}
    )
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock, persist_theme=True, themes=found)
    notices = record_notices(app)  # as given: a toast may expire before a loaded machine looks
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot, app)
        assert app.theme_names[-2:] == ["livetop-light", "livetop-zz"] and app.theme == "livetop-dark"
        await pilot.press("t", "t")  # light, then zz (cannot be drawn: skipped) -> ansi
        await until(pilot, lambda: app.saved_themes[-1:] == ["livetop-ansi"], "the ANSI theme to be saved")
        assert app.theme == "livetop-ansi" and "livetop-zz" not in app.saved_themes and app.is_running
        assert any("'livetop-zz' cannot be drawn" in n.message for n in notices)
        assert load_config(config.path).ui.theme == "livetop-ansi"


async def test_remapped_keys_from_the_config_replace_the_defaults(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    keys = {"overview.sort": "o", "overview.select": "l", "app.quit": "x", "overview.sortt": "z"}
    config = write_config(sim, tmp_path, keys=keys)
    app = make_app(config, sim_clock)
    notices = record_notices(app)  # as given: a toast may expire before a loaded machine looks
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        ov = screen.overview
        notes = [n.message for n in notices]
        assert any(
            "'overview.sortt' is not a livetop binding id" in m and "overview.sort" in m for m in notes
        )
        await pilot.press("s")
        assert ov.sort == "bandwidth"  # the old key is gone
        await pilot.press("o")
        assert ov.sort == "change"
        await pilot.press("?")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        table = plain(app.screen.query_one("#help-table").content)
        assert any(line.split()[:1] == ["o"] and "overview.sort" in line for line in table.splitlines())
        await pilot.press("escape")
        await pilot.press("l")
        await until(pilot, lambda: isinstance(app.screen, DrilldownScreen), "the drilldown by l")
        await pilot.press("escape")
        await pilot.press("q")  # no longer quits
        await pilot.pause()
        assert app.is_running
        await pilot.press("x")
        await pilot.pause()
        assert app._exit


async def test_help_lists_every_binding_and_none_sits_on_a_reserved_key(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("?")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        help_screen = app.screen
        table = plain(help_screen.query_one("#help-table").content, width=160)
        catalogue = app.binding_catalogue()
        ids = [info.id for _, infos in catalogue for info in infos]
        assert help_screen.listed_ids() == ids and len(ids) == len(set(ids))
        assert {
            "overview.select", "overview.filter", "overview.sort", "overview.freeze", "overview.errors",
            "app.refresh", "app.refresh_all", "app.zoom_in", "app.zoom_out", "app.theme", "app.help", "app.quit",
            "drilldown.back", "overview.cursor_down", "overview.first", "overview.last",
        } <= set(ids)  # fmt: skip
        for _, infos in catalogue:
            for info in infos:
                assert info.id in table and info.help.split()[0] in table
                assert not set(info.keys) & RESERVED_KEYS
        active = app.screen_stack[0].active_bindings
        assert not set(active) & RESERVED_KEYS
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)


async def test_the_command_palette_offers_every_action_by_name(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        commands = {c.title: c for c in app.get_system_commands(screen)}
        for title in ("Open", "Filter", "Sort", "Freeze", "Errors", "Refresh", "Refresh all", "Zoom",
                      "Zoom out", "Theme", "Help", "Down", "Last domain"):  # fmt: skip
            assert title in commands, title
        assert "(key: s)" in commands["Sort"].help
        assert "(key: /)" in commands["Filter"].help
        for command in commands.values():  # the palette renders help as markup: it must parse
            Content.from_markup(command.help)
        commands["Sort"].callback()
        await pilot.pause()
        assert screen.overview.sort == "change"
        commands["Zoom out"].callback()
        await pilot.pause()
        assert app.store.window_seconds == 3 * 3600
        await pilot.press("ctrl+p", *"freeze")  # the palette itself: search, pick with Enter
        await until(pilot, lambda: first_hit(app).startswith("Freeze"), "the palette to find Freeze")
        await pilot.press("enter")
        await until(pilot, lambda: screen.overview.frozen, "Freeze chosen from the palette")


async def test_config_edits_apply_while_running(make_sim, sim_clock, tmp_path):
    import os

    import tomli_w

    sim = make_sim(ui_scenario())
    config = write_config(sim, tmp_path)
    app = make_app(config, sim_clock)
    notices = record_notices(app)  # as given: a toast may expire before a loaded machine looks
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        data = sim.sim.config_dict(timeout="1s")
        jd = next(a for a in data["accounts"] if a["vendor"] == "jdcloud")
        dropped = jd["domains"].pop()
        dropped_name = dropped if isinstance(dropped, str) else dropped["name"]
        data["ui"] = {"ascii_sparklines": True}
        data["keys"] = {"overview.freeze": "z"}
        config.path.write_text(tomli_w.dumps(data))
        os.chmod(config.path, 0o600)
        assert await app.config_watcher.check()
        await until(
            pilot,
            lambda: all(d.domain != dropped_name for d in screen.overview.snapshot.domains),
            "the removed domain to leave the screen",
        )
        assert screen.overview.ascii_mode and not any("▁" in t or "█" in t for t in lines(screen.overview))
        await pilot.press("z")
        assert screen.overview.frozen
        assert any("config reloaded" in n.message for n in notices)
        config.path.write_text('refresh = "whenever"\n')
        assert not await app.config_watcher.check()
        await pilot.pause()
        assert any(n.severity == "error" and "refresh" in n.message for n in notices), [
            (n.severity, n.message) for n in notices
        ]
        assert app.store.window_seconds == 3600  # the last good config keeps running


def burst(app, *keys: str) -> None:
    """Keys as a terminal delivers a quick typist's (or tmux send-keys'): all queued at once, no pause for
    the app to settle between them (Pilot.press waits for idle after every key)."""
    from textual import events

    for key in keys:
        char = {"slash": "/"}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_what_is_typed_straight_after_slash_lands_in_the_filter(make_sim, sim_clock, tmp_path):
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        burst(app, "slash", "e", "s", "p")
        await until(pilot, lambda: screen.overview.filter_text == "esp", "the filter to read 'esp'")
        burst(app, "o", "r", "t", "s", "enter")
        await until(pilot, lambda: screen.overview.has_focus, "Enter to close the filter line")
        assert screen.overview.filter_text == "esports" and screen.overview.visible_domain_count == 1
        burst(app, "slash", "x")  # reopened with the kept text: the new key is added, not put in its place
        await until(pilot, lambda: screen.overview.filter_text == "esportsx", "the filter to read 'esportsx'")
        burst(app, "slash")  # in the open line `/` is a character like any other
        await until(
            pilot, lambda: screen.overview.filter_text == "esportsx/", "the filter to read 'esportsx/'"
        )


async def test_slash_again_before_the_last_close_lands_reopens_the_line(make_sim, sim_clock, tmp_path):
    """Enter (or Esc) and `/` again in one burst: the keys behind Enter must not land in the closed line, and the
    first line's late close must not shut the reopened one (CI caught a reopened line losing what was typed)."""
    sim = make_sim(ui_scenario())
    app = make_app(write_config(sim, tmp_path), sim_clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await started(pilot, app)
        bar = screen.query_one("FilterBar")
        burst(app, "slash", "e", "s", "p", "enter", "slash", "o", "r", "t")
        await until(pilot, lambda: screen.overview.filter_text == "esport", "the filter to read 'esport'")
        await pilot.pause()
        assert bar.is_open and screen.query_one("FilterInput").has_focus
        burst(app, "escape", "slash", "l", "i", "v")  # Esc then `/`: the new line starts empty
        await until(pilot, lambda: screen.overview.filter_text == "liv", "the filter to read 'liv'")
        await pilot.pause()
        assert bar.is_open and screen.query_one("FilterInput").value == "liv"
        sort_before = screen.overview.sort
        burst(app, "enter", "s")  # `s` behind Enter sorts the overview, it is not typed into the closed line
        await until(pilot, lambda: screen.overview.sort != sort_before, "`s` to sort the overview")
        await pilot.pause()
        assert screen.overview.has_focus and not bar.is_open
        assert screen.overview.filter_text == "liv" and screen.query_one("FilterInput").value == "liv"
