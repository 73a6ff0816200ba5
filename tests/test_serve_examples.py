"""The examples shipped for `livetop serve` work: Prometheus's own promtool checks the scrape config and the
alert rules and runs the rules' unit tests; the systemd unit starts the command livetop really has."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

import livetop.serve

EXAMPLES = Path(livetop.serve.__file__).parent / "examples"
HERE = Path(__file__).parent


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: install the Debian package prometheus (.ci/run does)")
    return path


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=cwd, stdin=subprocess.DEVNULL)


def test_promtool_accepts_the_alert_rules():
    done = _run(tool("promtool"), "check", "rules", "livetop-alerts.yml", cwd=EXAMPLES)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS: 5 rules found" in done.stdout


def test_promtool_accepts_the_scrape_config():
    done = _run(tool("promtool"), "check", "config", "prometheus.yml", cwd=EXAMPLES)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_alert_rules_fire_when_they_should_and_only_then():
    # Input series and expected alerts per rule, evaluated by Prometheus's own rule engine.
    done = _run(tool("promtool"), "test", "rules", "livetop-alerts.test.yml", cwd=HERE / "promtool")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_systemd_unit_runs_a_command_livetop_has():
    from livetop.cli import build_parser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read(EXAMPLES / "livetop-serve.service")
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0].endswith("/livetop")
    args = build_parser().parse_args(argv[1:])
    assert args.command == "serve" and args.listen == "127.0.0.1:9360"  # loopback: no token needed
    assert service["EnvironmentFile"]  # secrets come from the environment, never the unit
    assert service["DynamicUser"] == "yes" and service["NoNewPrivileges"] == "yes"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
