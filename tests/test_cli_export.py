"""`livetop export` as a user runs it: settled buckets from the history file as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import datetime, timezone

from livetop.clock import SYSTEM_CLOCK
from livetop.history.store import History

CONFIG = """\
history = "{path}"

[[accounts]]
name = "jd"
vendor = "jdcloud"
endpoint = "http://127.0.0.1:9"
username = "pin"
secret_key = "offline-secret"
domains = ["jd.example.com"]
"""


def _export(config, *args):
    return subprocess.run([sys.executable, "-m", "livetop", "export", "--config", str(config), *args],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def _setup(tmp_path, history_line=None):
    path = tmp_path / "h.sqlite"
    config = tmp_path / "c.toml"
    text = CONFIG.format(path=path)
    if history_line is not None:
        text = text.replace(f'history = "{path}"', history_line)
    config.write_text(text)
    config.chmod(0o600)
    return path, config


def test_csv_and_json_of_the_last_24h_by_default(tmp_path):
    path, config = _setup(tmp_path)
    now = int(SYSTEM_CLOCK.now().timestamp())
    newest = now - now % 300 - 900
    h = History(path, SYSTEM_CLOCK)
    h.write([
        ("jdcloud", "jd", "jd.example.com", [(newest - 300, 1.5e9), (newest, 2e9)], [(newest, 75_000_000_000)]),
        ("huawei", "hw", "play.example.com", [(newest, 4e8), (newest - 30 * 3600, 1e8)], []),
    ])
    h.close()

    done = _export(config)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    stamp = datetime.fromtimestamp(newest, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [(r["account"], r["domain"], r["bucket_start"], r["bandwidth_bps"], r["traffic_bytes"]) for r in rows] == [
        ("hw", "play.example.com", stamp, "400000000", ""),  # the bucket 30 h ago is outside the default 24 h
        ("jd", "jd.example.com", rows[1]["bucket_start"], "1500000000", ""),
        ("jd", "jd.example.com", stamp, "2000000000", "75000000000"),
    ]
    assert "3 buckets from" in done.stderr

    done = _export(config, "--format", "json", "--from", "2d", "--domain", "play.*")
    doc = json.loads(done.stdout)
    assert doc["schema"] == 1 and [d["domain"] for d in doc["domains"]] == ["play.example.com"]
    assert [b["bandwidth_bps"] for b in doc["domains"][0]["buckets"]] == [100000000, 400000000]
    assert doc["domains"][0]["buckets"][0]["traffic_bytes"] is None

    done = _export(config, "--from", stamp, "--to", "now", "--account", "jd")
    assert [r["bandwidth_bps"] for r in csv.DictReader(io.StringIO(done.stdout))] == ["2000000000"]


def test_export_refusals_are_clear(tmp_path):
    path, config = _setup(tmp_path)
    done = _export(config)
    assert done.returncode == 1 and "no history at" in done.stderr and "Traceback" not in done.stderr
    done = _export(config, "--from", "yesterday-ish")
    assert done.returncode == 2 and "is not a time" in done.stderr
    done = _export(config, "--from", "now", "--to", "1h")
    assert done.returncode == 2 and "must be before" in done.stderr
    off = tmp_path / "off"
    off.mkdir()
    _, off_config = _setup(off, "history = false")
    done = _export(off_config)
    assert done.returncode == 1 and "history is off" in done.stderr
    path.write_bytes(b"junk" * 1000)
    done = _export(config)
    assert done.returncode == 0 and "moved to" in done.stderr and "Traceback" not in done.stderr
