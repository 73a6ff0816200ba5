"""Overview widget: pure sparkline/column tests and Pilot tests on a tiny app that mounts only the widget."""

from textual.app import App, ComposeResult

from livetop.ui.widgets import Overview


class OverviewApp(App):
    def compose(self) -> ComposeResult:
        yield Overview()


async def test_mounts_empty():
    app = OverviewApp()
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        assert "waiting for data" in app.query_one(Overview).render_line(1).text
