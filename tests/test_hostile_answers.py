"""Hostile vendor answers found by issue 9: each ends as correct data or a decoded error, never a crash.

The parser tests feed bytes straight in; the `query` tests run livetop as a user does against a small
vendor server on 127.0.0.1 that is not livetop's simulator and answers whatever the test says.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from livetop.model import VendorError
from livetop.vendors.huawei.parse import parse_response
from livetop.vendors.jdcloud.parse import parse_bandwidth_flow

DOMAIN = "play.example.com"
SECRET = "hostile-secret-0c1d2e3f"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _jd(points: list[tuple[str, object, object]], msg: bytes = '"成功"'.encode()) -> bytes:
    data = ",".join(
        '{"%s": {"%s": {"bandwidth": %s, "flow": %s}}}' % (label, DOMAIN, bw, flow)
        for label, bw, flow in points
    )
    return b'{"status": 0, "msg": ' + msg + b', "data": [' + data.encode() + b"]}"


# --- JD opencdn ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "edge", ["0001-01-01 00:00", "0001-01-01 00:04", "9999-12-31 23:59", "9999-12-31 23:55"]
)
def test_a_jd_label_at_the_calendars_edge_is_dropped_with_a_notice_and_healthy_points_count(edge):
    body = _jd([("2026-11-20 20:00", 8, 3), (edge, 1, 1), ("2026-11-20 20:05", 10, 4)])
    flow = parse_bandwidth_flow(200, body, DOMAIN)
    assert flow.bandwidth_bps == {_utc("2026-11-20 11:55"): 8e6, _utc("2026-11-20 12:00"): 10e6}
    assert flow.traffic_bytes == {_utc("2026-11-20 11:55"): 3_000_000, _utc("2026-11-20 12:00"): 4_000_000}
    assert any(edge in notice and "dropped" in notice for notice in flow.notices), flow.notices


@pytest.mark.parametrize("huge", ["1e999999", "9.9e999998", "1e400000"])
def test_a_number_livetop_cannot_represent_is_a_malformed_answer(huge):
    for bw, flow in ((huge, 1), (1, huge)):
        with pytest.raises(VendorError) as caught:
            parse_bandwidth_flow(200, _jd([("2026-11-20 20:00", bw, flow)]), DOMAIN)
        assert caught.value.error.code == "MALFORMED"
        assert "too large" in caught.value.error.raw_message


def test_a_jd_success_whose_msg_is_not_utf8_still_parses():
    body = _jd([("2026-11-20 20:00", 8, 3)], msg='"成功"'.encode("gbk"))
    flow = parse_bandwidth_flow(200, body, DOMAIN)
    assert flow.bandwidth_bps == {_utc("2026-11-20 11:55"): 8e6}


def test_bytes_that_are_not_utf8_outside_the_msg_are_still_refused():
    # Leniency is for the message only: a label with a broken byte is no time, whatever else is fine.
    body = _jd([("2026-11-20 20:00", 8, 3)]).replace(b"2026-11-20 20:00", b"2026-11-20 2\xff:00")
    with pytest.raises(VendorError):
        parse_bandwidth_flow(200, body, DOMAIN)


def test_a_jd_label_off_the_5_minute_grid_is_aligned_with_a_notice():
    flow = parse_bandwidth_flow(200, _jd([("2026-11-20 20:00", 8, 3), ("2026-11-20 20:07", 9, 3)]), DOMAIN)
    assert sorted(flow.bandwidth_bps) == [_utc("2026-11-20 11:55"), _utc("2026-11-20 12:00")]
    assert any("off the 5-minute grid" in n for n in flow.notices), flow.notices


def test_a_jd_secret_echoed_where_a_label_should_be_is_masked():
    with pytest.raises(VendorError) as caught:
        parse_bandwidth_flow(200, _jd([(f"key {SECRET}", 8, 3)]), DOMAIN, secrets=(SECRET,))
    assert SECRET not in json.dumps(caught.value.error.as_dict())


@pytest.mark.parametrize("parse", [
    lambda body: parse_bandwidth_flow(200, body, DOMAIN),
    lambda body: parse_response("bandwidth", 200, body),
    lambda body: parse_response("bandwidth", 500, body),
])  # fmt: skip
def test_json_nested_too_deep_for_python_is_a_decoded_error(parse):
    with pytest.raises(VendorError):
        parse(b"[" * 100_000 + b"]" * 100_000)


# --- Huawei -------------------------------------------------------------------------------------------------


def _hw(*stamps: tuple[str, int]) -> bytes:
    items = [{"bw_bps": value, "timestamp": stamp} for stamp, value in stamps]
    return json.dumps({"total": len(items), "bandwidth_info": items}).encode()


def test_huawei_timestamps_off_the_bucket_grid_are_aligned_to_their_bucket_with_a_notice():
    notices: list[str] = []
    samples = parse_response(
        "bandwidth", 200,
        _hw(("2026-11-20T10:00:00Z", 5), ("2026-11-20T10:05:15Z", 7), ("2026-11-20T10:10:00Z", 9)),
        bucket_seconds=300, notices=notices,
    )  # fmt: skip
    assert [(s.bucket_start, s.value) for s in samples] == [
        (_utc("2026-11-20 10:00"), 5.0), (_utc("2026-11-20 10:05"), 7.0), (_utc("2026-11-20 10:10"), 9.0),
    ]  # fmt: skip
    assert notices and "off the 5-minute grid" in notices[0] and "aligned" in notices[0]


def test_huawei_timestamps_on_the_grid_say_nothing():
    notices: list[str] = []
    parse_response("bandwidth", 200, _hw(("2026-11-20T10:00:00Z", 5)), bucket_seconds=300, notices=notices)
    assert notices == []


def test_the_error_decoder_masks_a_secret_echoed_as_the_error_code():
    from livetop.vendors.catalog import decode

    body = json.dumps({"error_code": SECRET, "error_msg": "x", "request_id": SECRET}).encode()
    error = decode("huawei", 400, body, secrets=(SECRET,))
    assert SECRET not in json.dumps(error.as_dict())


# --- `livetop query` against a vendor that is not the simulator ----------------------------------------------


class _Hostile(BaseHTTPRequestHandler):
    status = 200
    body = b""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def hostile(tmp_path):
    """(server handler class, config path): a 'vendor' on 127.0.0.1 answering `_Hostile.body` to anything."""
    handler = type("Handler", (_Hostile,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    config = tmp_path / "c.toml"
    config.write_text(
        f'[[accounts]]\nname = "jd"\nvendor = "jdcloud"\nendpoint = "{url}"\nusername = "pin"\n'
        f'secret_key = "{SECRET}"\ndomains = ["{DOMAIN}"]\n\n'
        f'[[accounts]]\nname = "hw"\nvendor = "huawei"\nendpoint = "{url}"\nregion = "cn-north-4"\n'
        f'project_id = "0123456789abcdef0123456789abcdef"\naccess_key = "AKHOSTILE"\nsecret_key = "{SECRET}"\n'
        f'domains = ["{DOMAIN}"]\n'
    )
    config.chmod(0o600)
    yield handler, config
    server.shutdown()
    server.server_close()


def _query(config: Path, account: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "livetop", "query", "--config", str(config), account, DOMAIN,
         "--start", "2026-11-20T11:00:00Z", "--end", "2026-11-20T12:10:00Z", *args],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@pytest.mark.parametrize("account, body", [
    ("jd", _jd([("2026-11-20 20:00", "1e999999", 1)])),
    ("jd", b"[" * 50_000),
    ("jd", b'{"status": 0, "data": [' + b"[" * 50_000),
    ("hw", b'{"bandwidth_info": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    ("hw", b'{"bandwidth_info": [{"bw_bps": 1e999, "timestamp": "2026-11-20T11:00:00Z"}]}'),
])  # fmt: skip
def test_query_prints_the_decoded_error_and_exits_1_never_a_traceback(hostile, account, body):
    handler, config = hostile
    handler.body = body
    done = _query(config, account)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out and SECRET not in out
    assert "error: " in done.stderr and "what to do:" in done.stderr


def test_query_shows_the_healthy_points_of_an_answer_with_an_edge_date(hostile):
    handler, config = hostile
    handler.body = _jd([("2026-11-20 20:00", 8, 3), ("0001-01-01 00:00", 1, 1), ("9999-12-31 23:59", 1, 1)])
    done = _query(config, "jd", "--json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    points = json.loads(done.stdout)
    assert points == [{"time": "2026-11-20T11:55:00Z", "bandwidth_bps": 8e6, "traffic_bytes": 3_000_000}]
    assert "notice:" in done.stderr and "0001-01-01 00:00" in done.stderr


def test_query_turns_a_livetop_bug_into_a_decoded_error(monkeypatch, capsys):
    import asyncio

    from livetop.cli import query as query_cli
    from livetop.config.schema import AccountConfig, Credentials

    class Broken:
        async def fetch(self, *args, **kwargs):
            raise ZeroDivisionError("a bug")

    monkeypatch.setattr("livetop.vendors.registry.make_provider", lambda *a, **k: Broken())
    account = AccountConfig("jd", "jdcloud", "http://127.0.0.1:9", "md5", Credentials())
    code = asyncio.run(query_cli._query(account, DOMAIN, _utc("2026-11-20 11:00"), _utc("2026-11-20 12:00"),
                                        ("bandwidth",), False))  # fmt: skip
    assert code == 1
    err = capsys.readouterr().err
    assert "LIVETOP.INTERNAL" in err and "ZeroDivisionError" in err and "Traceback" not in err


def test_huawei_points_at_the_calendars_edge_are_dropped_with_a_notice():
    notices: list[str] = []
    samples = parse_response(
        "bandwidth", 200,
        _hw(("0001-01-01T00:00:00Z", 1), ("2026-11-20T10:00:00Z", 5), ("9999-12-31T23:59:59Z", 1)),
        bucket_seconds=300, notices=notices,
    )  # fmt: skip
    assert [(s.bucket_start, s.value) for s in samples] == [(_utc("2026-11-20 10:00"), 5.0)]
    assert any("calendar's edge: dropped" in n for n in notices), notices


# --- the config loader (found by the fuzz run) ----------------------------------------------------------------


@pytest.mark.parametrize("line, words", [
    ("rate_per_second = " + "9" * 400, "must be a positive number, not an integer of about 40"),
    ("concurrency = -" + "9" * 400, "must be a positive integer, not a negative integer of about 40"),
    ('timeout = ' + "9" * 400, "must be a positive duration"),
    ("concurrency = " + "9" * 5000, "an integer with thousands of digits"),
    ("timeout = " + "[" * 5000 + "]" * 5000, "nested too deep"),
])  # fmt: skip
def test_a_number_or_nesting_past_pythons_limits_in_the_config_is_a_config_error(tmp_path, line, words):
    from livetop.config import ConfigError, load_config

    config = tmp_path / "c.toml"
    config.write_text(
        f'[[accounts]]\nname = "jd"\nvendor = "jdcloud"\nusername = "pin"\nsecret_key = "{SECRET}"\n'
        f'domains = ["{DOMAIN}"]\n{line}\n'
    )
    config.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert words in caught.value.message() and str(config) in caught.value.message()
    assert SECRET not in caught.value.message()


@pytest.mark.parametrize("body", [
    b'{"error_code": " ", "error_msg": "Invalid parameter"}',
    b'{"error": {"code": "\\t", "message": "x"}}',
])  # fmt: skip
def test_an_error_code_of_blanks_is_shown_as_the_http_status_not_as_nothing(body):
    from livetop.vendors.catalog import decode

    error = decode("huawei", 400, body)
    assert error.code == "HTTP 400" and error.title


def test_jd_openapi_masks_a_secret_echoed_where_a_time_should_be():
    from livetop.vendors.jdcloud.openapi_parse import parse_statistics

    body = json.dumps({"requestId": "r", "result": {"dataList": [
        {"startTime": f"key {SECRET}", "endTime": "2026-11-20T12:05:00Z", "data": {"value": 1}},
    ]}}).encode()  # fmt: skip
    with pytest.raises(VendorError) as caught:
        parse_statistics("bandwidth", 200, body, secrets=(SECRET,))
    assert SECRET not in json.dumps(caught.value.error.as_dict())


def test_a_tencent_number_that_overflows_decimal_times_the_unit_is_a_malformed_answer():
    # Found by the fuzz run: 1e999999 is a valid Decimal, but times 1024**2 it overflows Decimal's range.
    from livetop.vendors.tencent.parse import parse_bill

    for field in ("Bandwidth", "Flux"):
        point = {"Time": "2026-11-20 12:00:00", "Bandwidth": 1, "Flux": 1}
        body = json.dumps({"Response": {"DataInfoList": [point], "RequestId": "r"}})
        body = body.replace(f'"{field}": 1', f'"{field}": 1e999999').encode()
        with pytest.raises(VendorError) as caught:
            parse_bill(200, body, granularity_minutes=5)
        assert caught.value.error.code == "MALFORMED"


@pytest.mark.parametrize("edge", [
    datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=8))),  # year 0 in UTC
    datetime(9999, 12, 31, 23, 0, tzinfo=timezone(timedelta(hours=-12))),  # year 10000 in UTC
])  # fmt: skip
def test_range_rules_take_a_time_past_the_calendars_edge_in_utc(edge):
    # Found by the fuzz run: converting these to UTC overflowed (OverflowError, a LIVETOP.INTERNAL row).
    from livetop.vendors.huawei import timerules as huawei
    from livetop.vendors.jdcloud import timerules as jd

    now = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
    for plan in (lambda: jd.plan_range(edge, now, now), lambda: huawei.plan_range(edge, now, now, 300)):
        try:
            plan()
        except VendorError as exc:
            assert exc.error.kind == "client"
