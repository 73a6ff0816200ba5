"""`livetop simulate` as a user runs it: a real process, its first stdout line, a request, then Ctrl-C."""

from __future__ import annotations

import os
import select
import signal
import stat
import subprocess
import sys
import tomllib

import httpx
import pytest

from livetop.sim.scenario import load_scenario


def start(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "livetop", "simulate", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def first_line(proc: subprocess.Popen, wait_seconds: float = 60.0) -> str:
    """The first stdout line; fails (instead of hanging) if the process never prints it."""
    ready, _, _ = select.select([proc.stdout], [], [], wait_seconds)
    if not ready:
        proc.kill()
        pytest.fail(f"no output from livetop simulate; stderr: {proc.communicate()[1]}")
    return proc.stdout.readline().rstrip("\n")


def interrupt(proc: subprocess.Popen) -> tuple[str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("livetop simulate did not stop on SIGINT")


def test_simulate_serves_until_interrupted(tmp_path):
    config = tmp_path / "c.toml"
    proc = start("--port", "0", "--write-config", str(config))
    line = first_line(proc)
    assert line.startswith("listening on http://127.0.0.1:")
    url = line.removeprefix("listening on ")
    assert int(url.rsplit(":", 1)[1]) > 0
    response = httpx.get(f"{url}/v1/anything/stream/bandwidth")
    assert response.status_code == 401 and response.json()["error_code"] == "APIGW.0301"
    assert config.stat().st_mode & 0o777 == 0o600
    written = tomllib.loads(config.read_text())
    assert {acc["endpoint"] for acc in written["accounts"]} == {url}
    out, err = interrupt(proc)
    assert proc.returncode == 0
    assert "Traceback" not in err
    assert "hw-sports" in err and "play.sports-live.example.com" in err  # what is served, on stderr
    assert out == ""  # nothing after the first line: stdout stays scriptable


def test_simulate_terminates_cleanly_on_sigterm():
    proc = start("--domains", "200")
    assert first_line(proc).startswith("listening on http://")
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in err
    # Each account keeps its fault domains and gets its share of the generated healthy ones, round-robin.
    scaled = load_scenario(None).scaled(200)
    for name, kind in (("hw-sports", "huawei v1, auth aksk"), ("hw-cloud", "huawei v2, auth aksk"),
                       ("jd-openapi", "jdcloud openapi, auth aksk")):
        served = scaled.account(name)
        assert f"{name} ({kind}, {served.rate_per_second:.4g} req/s): {len(served.domains)} domains" in err
    assert "play0199" not in err  # generated names are counted, not listed one by one


@pytest.mark.parametrize(
    "content, expected",
    [
        ("accounts = [\n", "not valid TOML"),
        (
            '[[accounts]]\nname = "a"\nvendor = "huawei"\nratee_per_second = 3\n',
            "accounts[0].ratee_per_second: unknown key",
        ),
    ],
)
def test_bad_scenario_exits_2_with_a_message(tmp_path, content, expected):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "livetop", "simulate", "--scenario", str(scenario)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(scenario) in result.stderr and expected in result.stderr
    assert "Traceback" not in result.stderr


def test_help_does_not_import_the_simulator():
    code = "import sys; "
    code += "from livetop.cli import build_parser; build_parser(); print('livetop.sim' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False"


def run_simulate(*args: str) -> subprocess.CompletedProcess:
    """A simulate run expected to refuse at once; a hang (e.g. blocked opening a FIFO) fails the test."""
    return subprocess.run(
        [sys.executable, "-m", "livetop", "simulate", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )


def test_write_config_keeps_an_existing_file_unless_forced(tmp_path):
    mine = tmp_path / "config.toml"
    mine.write_text("# my real config\n")
    mine.chmod(0o644)
    refused = run_simulate("--write-config", str(mine))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert f"{mine}: already exists; not overwriting it" in refused.stderr
    assert "fix: pick another FILE, or add --force to replace it" in refused.stderr
    assert refused.stdout == ""  # never said "listening on"
    assert mine.read_text() == "# my real config\n" and stat.S_IMODE(mine.stat().st_mode) == 0o644

    proc = start("--write-config", str(mine), "--force")
    url = first_line(proc).removeprefix("listening on ")
    _, err = interrupt(proc)
    assert proc.returncode == 0 and "Traceback" not in err
    assert {acc["endpoint"] for acc in tomllib.loads(mine.read_text())["accounts"]} == {url}
    assert stat.S_IMODE(mine.stat().st_mode) == 0o600


@pytest.mark.parametrize("kind", ["fifo", "directory", "symlink to a fifo"])
def test_write_config_refuses_what_is_not_a_regular_file_even_forced(tmp_path, kind):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    target = {"fifo": fifo, "directory": tmp_path, "symlink to a fifo": tmp_path / "link.toml"}[kind]
    if kind == "symlink to a fifo":
        target.symlink_to(fifo)
    done = run_simulate("--write-config", str(target), "--force")
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    expected = {"fifo": "is a named pipe (FIFO), not a regular file", "directory": "is a directory",
                "symlink to a fifo": f"links to {fifo}, which is a named pipe"}[kind]
    assert f"livetop simulate: {target}: {expected}" in done.stderr and "fix: " in done.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_IMODE(os.lstat(fifo).st_mode) == 0o644


def test_write_config_with_an_empty_path_is_refused():
    done = run_simulate("--write-config=")
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert "--write-config is empty" in done.stderr


@pytest.mark.parametrize("domains", ["100000000", "20001", "0", "-3"])
def test_domains_out_of_range_exit_2_with_the_bound(domains):
    done = run_simulate(f"--domains={domains}")
    assert done.returncode == 2 and done.stdout == "" and "Traceback" not in done.stderr
    assert f"--domains {domains} is out of range" in done.stderr and "from 1 to 20000" in done.stderr
