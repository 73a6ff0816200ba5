"""The headless core never loads the UI: config, vendors, engine, simulator and the headless commands run
without Textual, and `livetop --help` stays light."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "livetop.model",
    "livetop.clock",
    "livetop.config",
    "livetop.config.load",
    "livetop.config.starter",
    "livetop.vendors.catalog",
    "livetop.vendors.limits",
    "livetop.vendors.registry",
    "livetop.vendors.huawei.client",
    "livetop.vendors.huawei.auth",
    "livetop.vendors.jdcloud.client",
    "livetop.vendors.tencent.client",
    "livetop.vendors.tencent.auth",
    "livetop.sim.tencent",
    "livetop.engine",
    "livetop.report",
    "livetop.sim.server",
    "livetop.sim.scenario",
    "livetop.cli.snapshot",
    "livetop.cli.query",
    "livetop.cli.simulate",
    "livetop.cli.check",
    "livetop.check.verdict",
    "livetop.alerts",
    "livetop.alerts.hooks",
    "livetop.history.running",
    "livetop.cli.export",
    "livetop.http11",
    "livetop.serve.server",
    "livetop.serve.metrics",
    "livetop.serve.feed",
    "livetop.cli.serve",
    "livetop.remote.source",
]


def _loaded_after(code: str) -> set[str]:
    probe = code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_modules_never_import_textual():
    loaded = _loaded_after("\n".join(f"import {name}" for name in CORE_MODULES))
    assert set(CORE_MODULES) <= loaded  # the probe really imported them
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}
    assert "plotext" not in loaded


def test_cli_entry_point_imports_neither_textual_nor_httpx():
    # `livetop --help` only builds the argparse tree; each subcommand imports its stack inside run().
    loaded = _loaded_after("import livetop.cli\nlivetop.cli.build_parser()")
    assert "livetop.cli" in loaded
    assert not {m for m in loaded if m.split(".")[0] in ("textual", "httpx", "plotext", "rich")}
