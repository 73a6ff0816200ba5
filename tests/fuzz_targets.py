"""Every reader of outside input livetop has, as a fuzz target (see tests/fuzzgen.py for how to add one).

tests/test_fuzz_parsers.py runs each in CI; bench/fuzz.py runs each 100,000 times.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from fuzzgen import (
    ANCHOR,
    SECRET,
    SECRETS,
    WILD_VALUES,
    Chooser,
    ParserTarget,
    check_instant,
    check_measure,
    check_samples,
    mutate,
    near,
)

from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD, DecodedError, VendorError, iso_utc
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC

DOMAIN = "play.example.com"

# --- Huawei Live v1 ---------------------------------------------------------------------------------------


def _huawei_doc(list_key: str, value_key: str, ch: Chooser) -> dict:
    points = [
        {value_key: ch.integer(0, 10**12), "timestamp": iso_utc(near(ch, ANCHOR))}
        for _ in range(ch.integer(0, 6))
    ]
    return {"total": len(points), list_key: points}


def _huawei_target(metric: str, list_key: str, value_key: str) -> ParserTarget:
    from livetop.vendors.huawei.parse import parse_response

    return ParserTarget(
        name=f"huawei {metric}",
        valid_doc=lambda ch: _huawei_doc(list_key, value_key, ch),
        parse=lambda body: parse_response(metric, 200, body, {}, secrets=SECRETS, bucket_seconds=300),
        errors=(VendorError,),
        check=check_samples,
    )


# --- Huawei Live v2 ----------------------------------------------------------------------------------------


def _huawei_v2_target(metric: str) -> ParserTarget:
    from livetop.vendors.huawei.v2_parse import parse_detail

    return ParserTarget(
        name=f"huawei v2 {metric} detail",
        valid_doc=lambda ch: {"data_list": [
            {"value": ch.integer(0, 10**12), "time": iso_utc(near(ch, ANCHOR))} for _ in range(ch.integer(0, 6))
        ]},  # fmt: skip
        parse=lambda body: parse_detail(metric, body, 200, interval=300, notices=[]),
        errors=(VendorError,),
        check=check_samples,
    )


def _check_per_domain(values: Any) -> None:
    assert isinstance(values, dict), f"{type(values).__name__} is not a dict"
    for domain, value in values.items():
        assert isinstance(domain, str) and domain == domain.strip().lower() and domain, f"{domain!r}"
        check_measure(value)


def _huawei_v2_list_target(kind: str, list_key: str) -> ParserTarget:
    from livetop.vendors.huawei.v2_parse import parse_per_domain

    return ParserTarget(
        name=f"huawei v2 {kind}",
        valid_doc=lambda ch: {list_key: [
            {"domain": ch.choice((DOMAIN, f" {DOMAIN.upper()} ", f"d{i}.example.com")), "value": ch.integer(0, 10**12)}
            for i in range(ch.integer(0, 6))
        ]},  # fmt: skip
        parse=lambda body: parse_per_domain(kind, body, 200),
        errors=(VendorError,),
        check=_check_per_domain,
    )


# --- JD opencdn bandwidth_flow ------------------------------------------------------------------------------


def _jd_label(ch: Chooser) -> str:
    from livetop.vendors.jdcloud.timerules import format_beijing

    return format_beijing(near(ch, ANCHOR))


def _jd_doc(ch: Chooser) -> dict:
    data = []
    for _ in range(ch.integer(0, 5)):
        domains = {ch.choice((DOMAIN, f" {DOMAIN} ", "other.example.com", DOMAIN.upper())): {
            "bandwidth": ch.choice((ch.integer(0, 10**6), ch.integer(0, 10**9) / 1000)),
            "flow": ch.choice((ch.integer(0, 10**6), ch.integer(0, 10**9) / 1000)),
        }}  # fmt: skip
        data.append({_jd_label(ch): domains})
    return {"status": 0, "msg": ch.choice(("成功", "success", "")), "data": data}


def _check_flow(flow: Any) -> None:
    assert set(flow.bandwidth_bps) == set(flow.traffic_bytes), "bandwidth and traffic buckets differ"
    for when, bps in flow.bandwidth_bps.items():
        check_instant(when, 300)
        check_measure(bps)
        check_measure(flow.traffic_bytes[when], integral=True)


def _jd_target() -> ParserTarget:
    from livetop.vendors.jdcloud.parse import parse_bandwidth_flow

    return ParserTarget(
        name="jdcloud bandwidth_flow",
        valid_doc=_jd_doc,
        parse=lambda body: parse_bandwidth_flow(200, body, DOMAIN, secrets=SECRETS, now=ANCHOR),
        errors=(VendorError,),
        check=_check_flow,
    )


# --- JD Cloud OpenAPI describeLiveStream{Bandwidth,Traffic}Data ---------------------------------------------


def _openapi_doc(ch: Chooser) -> dict:
    points = []
    for _ in range(ch.integer(0, 5)):
        start = near(ch, ANCHOR)
        value = ch.choice((ch.integer(0, 10**10), ch.integer(0, 10**9) / 1000, None))
        points.append({
            "startTime": iso_utc(start), "endTime": iso_utc(start + timedelta(minutes=5)),
            "data": None if ch.integer(0, 9) == 0 else {"value": value, "maxValueTime": iso_utc(start)},
        })  # fmt: skip
    return {"requestId": "bq2cuv2ikrd1q5mo8cqr6c3e1bq8ft4m", "result": {"dataList": points}}


def _check_points(integral: bool):
    def check(points: Any) -> None:
        assert isinstance(points, dict), f"{type(points).__name__} is not a dict"
        for when, value in points.items():
            check_instant(when, 300)
            check_measure(value, integral=integral)

    return check


def _openapi_target(metric: str) -> ParserTarget:
    from livetop.vendors.jdcloud.openapi_parse import parse_statistics

    return ParserTarget(
        name=f"jdcloud openapi {metric}",
        valid_doc=_openapi_doc,
        parse=lambda body: parse_statistics(metric, 200, body, now=ANCHOR, secrets=SECRETS),
        errors=(VendorError,),
        check=_check_points(integral=metric == METRIC_TRAFFIC),
    )


# --- Tencent DescribeBillBandwidthAndFluxList ----------------------------------------------------------------


def _tencent_doc(ch: Chooser) -> dict:
    from livetop.vendors.tencent.timerules import format_beijing

    points = []
    for _ in range(ch.integer(0, 6)):
        when = near(ch, ANCHOR)
        label = ch.choice((iso_utc(when), format_beijing(when)))  # the two documented formats
        value = (ch.integer(0, 10**6), ch.integer(0, 10**9) / 1000)
        points.append({"Time": label, "Bandwidth": ch.choice(value), "Flux": ch.choice(value), "PeakTime": label})
    return {"Response": {"PeakBandwidthTime": iso_utc(ANCHOR), "PeakBandwidth": 1.5, "P95PeakBandwidth": 1.0,
                         "P95PeakBandwidthTime": iso_utc(ANCHOR), "SumFlux": 2.5, "DataInfoList": points,
                         "RequestId": f"req {SECRET}"}}  # fmt: skip


def _check_bill(points: Any) -> None:
    assert set(points.bandwidth_bps) == set(points.traffic_bytes), "bandwidth and traffic buckets differ"
    for when, bps in points.bandwidth_bps.items():
        check_instant(when, 300)
        check_measure(bps)
        check_measure(points.traffic_bytes[when], integral=True)


def _tencent_target() -> ParserTarget:
    from livetop.vendors.tencent.parse import parse_bill

    return ParserTarget(
        name="tencent bill",
        valid_doc=_tencent_doc,
        parse=lambda body: parse_bill(200, body, secrets=SECRETS, now=ANCHOR),
        errors=(VendorError,),
        check=_check_bill,
    )


# --- Alibaba ApsaraVideo Live ---------------------------------------------------------------------------------


def _alibaba_value(ch: Chooser) -> str:
    # Documented as strings; integers and two-decimal figures both occur.
    return ch.choice((str(ch.integer(0, 10**12)), f"{ch.integer(0, 10**11) / 100:.2f}"))


def _alibaba_doc(outer: str, value_key: str, ch: Chooser) -> dict:
    points = [
        {"TimeStamp": iso_utc(near(ch, ANCHOR)), value_key: _alibaba_value(ch),
         "Http" + value_key: _alibaba_value(ch), "Https" + value_key: _alibaba_value(ch)}
        for _ in range(ch.integer(0, 6))
    ]  # fmt: skip
    return {"RequestId": "5C0E-REQ", "DomainName": DOMAIN, "DataInterval": "300", "StartTime": iso_utc(ANCHOR),
            "EndTime": iso_utc(ANCHOR), outer: {"DataModule": points}}  # fmt: skip


def _alibaba_target(metric: str, outer: str, value_key: str) -> ParserTarget:
    from livetop.vendors.alibaba.parse import parse_response

    return ParserTarget(
        name=f"alibaba {metric}",
        valid_doc=lambda ch: _alibaba_doc(outer, value_key, ch),
        parse=lambda body: parse_response(metric, 200, body, 300, {}, secrets=SECRETS),
        errors=(VendorError,),
        check=check_samples,
    )


# --- the error decoder (never raises: every answer becomes a DecodedError) -----------------------------------

STATUSES = (200, 400, 401, 403, 404, 408, 418, 429, 500, 502, 503, 504, 999)
RETRY_AFTERS = ("600", "0", "-5", "1e999", "nan", "inf", "Wed, 21 Oct 2015 07:28:00 GMT",
                "Mon, 01 Jan 0001 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "99999999999999999999", "",
                "\u6210", "Thu, 32 Foo 2026 99:99:99 XYZ")  # fmt: skip


def _error_doc(vendor: str, ch: Chooser) -> Any:
    message = ch.choice(("Invalid parameter", f"the signature of key {SECRET} is wrong", "", "请求过于频繁"))
    if vendor == VENDOR_HUAWEI:
        return ch.choice((
            {"error_code": ch.choice(("LIVE.100011001", "APIGW.0308", "APIGW.0301", "X.1")), "error_msg": message,
             "request_id": "0a1b2c"},
            {"error": {"code": ch.choice((401, "APIGW.0101")), "message": message}},
            {"errorCode": "LIVE.100011007", "errorMsg": message},
        ))  # fmt: skip
    if vendor == "tencent":  # HTTP 200 or not, Tencent's errors sit in Response.Error
        return {"Response": {"Error": {"Code": ch.choice(("AuthFailure.SignatureExpire", "RequestLimitExceeded",
                                                          "InvalidParameter", "X.Y", "")),
                                       "Message": message},
                             "RequestId": ch.choice(("3c140219-cfe9-470e-b241-907877d6fb03", SECRET, ""))}}
    if vendor == "alibaba":
        return {"RequestId": "5C0E-REQ", "HostId": "live.aliyuncs.com", "Message": message,
                "Code": ch.choice(("Throttling", "InvalidDomain.NotFound", "SignatureDoesNotMatch", "X.Y"))}  # fmt: skip
    return ch.choice((
        {"status": ch.choice((1, 2, 3, 21, "1", -1)), "msg": message, "data": None},
        {"requestId": "req-1", "error": {"code": ch.choice((400, 429, "x")), "status": "INVALID_ARGUMENT",
                                          "message": message}},
    ))  # fmt: skip


def _decoder_target(vendor: str) -> ParserTarget:
    from livetop.vendors.catalog import decode

    state: dict = {}

    def body(ch: Chooser, valid_doc) -> bytes:
        from fuzzgen import body_for

        state["status"] = ch.choice(STATUSES)
        state["headers"] = {"Retry-After": ch.choice(RETRY_AFTERS)} if ch.integer(0, 1) else {}
        return body_for(ch, valid_doc)

    def parse(body: bytes) -> DecodedError:
        return decode(
            vendor, state.get("status", 400), body, state.get("headers"), now=ANCHOR, secrets=SECRETS
        )

    def check(error: Any) -> None:
        assert isinstance(error, DecodedError), f"{type(error).__name__} is not a DecodedError"
        assert error.title and error.meaning and error.action and error.code
        assert error.retry_after is None or 0 <= error.retry_after <= 3600

    return ParserTarget(
        name=f"{vendor} error decoder",
        valid_doc=lambda ch: _error_doc(vendor, ch),
        parse=parse,
        errors=(),  # documented: decode never raises
        check=check,
        body=body,
    )


# --- the config loader ----------------------------------------------------------------------------------------


def _config_doc(ch: Chooser) -> dict:
    return {
        "refresh": ch.choice(("30s", "1m", 30)),
        "window": ch.choice(("1h", "24h", "15m")),
        "ui": {"theme": "dark", "sort": "name"},
        "accounts": [
            {"name": "hw", "vendor": "huawei", "endpoint": "https://live.example.com", "region": "cn-north-4",
             "project_id": "0123456789abcdef0123456789abcdef", "auth": "aksk", "access_key": "AKFUZZ0000",
             "secret_key": SECRET, "timeout": "10s", "step_minutes": 5,
             "domains": [{"name": DOMAIN, "label": "Main"}, "hls.example.com"]},
            {"name": "jd", "vendor": "jdcloud", "endpoint": "https://opencdn.example.com", "auth": "md5",
             "username": "pin", "secret_key": SECRET, "unit_base": 1000, "domains": ["jd.example.com"]},
        ],
    }  # fmt: skip


TOML_WILD = tuple(v for v in WILD_VALUES if v is not None and v != [None] and v != {"": None}) + (
    float("nan"),
    float("inf"),
    -float("inf"),
    2**64,
    -(2**63) - 1,
)


TOML_RAW_LINES = (
    "concurrency = " + "9" * 5000,
    "rate_per_second = -" + "9" * 400,
    "timeout = " + "[" * 3000 + "]" * 3000,
    "refresh = " + "{a = " * 2000 + "1" + "}" * 2000,
    'name = """never closed',
    "window = 1979-05-27T07:32:00Z",
    "step_minutes = 0x7fffffffffffffffffff",
    "unit_base = inf",
    "data_lag = -nan",
    "[accounts.domains]",
    "[[ui]]",
)


def _toml_value(value: Any) -> Any:
    """What TOML can hold instead of a JSON-only wild value."""
    from fuzzgen import Pairs, Raw

    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.text[:60]
    if isinstance(value, Pairs):
        return {str(k): _toml_value(v) for k, v in value.items}
    if isinstance(value, dict):
        return {str(k): _toml_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_value(v) for v in value if v is not None]
    return value


def _scrub(node: Any, under_secret_key: bool = False) -> Any:
    """The secret kept only where a secret belongs: a value the user put under `vendor` is no secret to the
    loader, which may quote it; under `secret_key` (whatever its type) it must never be shown."""
    from livetop.config.secrets import SECRET_KEYS

    if isinstance(node, dict):
        return {
            (k if under_secret_key else str(k).replace(SECRET, "sekrit")): _scrub(
                v, under_secret_key or k in SECRET_KEYS
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_scrub(v, under_secret_key) for v in node]
    if isinstance(node, str) and not under_secret_key:
        return node.replace(SECRET, "sekrit")
    return node


def _config_body(ch: Chooser, valid_doc) -> bytes:
    import datetime as dt

    import tomli_w
    from fuzzgen import to_body

    doc = _toml_value(mutate(ch, valid_doc(ch)))
    if not isinstance(doc, dict):  # a TOML document is a table: the wild value goes under a key
        doc = {ch.choice(("accounts", "refresh", "ui", "keys")): doc}
    if ch.integer(0, 3) == 0:  # TOML's own wild values: dates and times, huge ints, NaN
        accounts = doc.get("accounts")
        target = (
            accounts[0] if isinstance(accounts, list) and accounts and isinstance(accounts[0], dict) else doc
        )
        key = ch.choice(
            (
                "refresh",
                "window",
                "timeout",
                "rate_per_second",
                "concurrency",
                "unit_base",
                "name",
                "domains",
                "secret_key",
                "step_minutes",
                "data_lag",
                "verify_tls",
            )
        )
        target[key] = ch.choice(TOML_WILD + (dt.datetime(1, 1, 1), dt.date(9999, 12, 31), dt.time(23, 59)))
    doc = _scrub(doc)
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):
        text = tomli_w.dumps(_toml_value(valid_doc(ch)))
    if ch.integer(0, 5) == 0:  # what no TOML writer produces: huge integers, deep nesting, unclosed strings
        raw = ch.choice(TOML_RAW_LINES)
        lines = text.splitlines()
        at = ch.integer(0, len(lines))
        text = "\n".join(lines[:at] + [raw] + lines[at:])
    if ch.integer(0, 4) == 0:  # a duplicated line: TOML forbids a key twice
        lines = text.splitlines()
        if lines:
            at = ch.integer(0, len(lines) - 1)
            lines.insert(at, lines[at])
        text = "\n".join(lines)
    from fuzzgen import Raw

    return to_body(ch, Raw(text))


def _config_target() -> ParserTarget:
    from livetop.config import ConfigError, load_config

    folder = Path(tempfile.mkdtemp(prefix="livetop-fuzz-"))
    atexit.register(shutil.rmtree, folder, True)
    path = folder / "config.toml"

    def parse(body: bytes):
        folder.mkdir(exist_ok=True)  # made lazily too: a cleaner of /tmp may have removed it mid-run
        path.write_bytes(body)
        os.chmod(path, 0o600)
        return load_config(path)

    def messages(exc: BaseException) -> list[str]:
        return [str(exc), exc.message()] if isinstance(exc, ConfigError) else [str(exc)]

    def check(config: Any) -> None:
        assert config.accounts is not None and config.refresh_seconds > 0 and config.window_seconds >= 60
        text = repr(config)
        assert SECRET not in text, "a secret in the config's repr"

    return ParserTarget(
        name="config loader",
        valid_doc=_config_doc,
        parse=parse,
        errors=(ConfigError,),
        check=check,
        messages=messages,
        body=_config_body,
        secrets=SECRETS,
    )


def _targets() -> list[ParserTarget]:
    return [
        _huawei_target(METRIC_BANDWIDTH, "bandwidth_info", "bw_bps"),
        _huawei_target(METRIC_TRAFFIC, "traffic_info", "traffic"),
        _huawei_v2_target(METRIC_BANDWIDTH),
        _huawei_v2_target(METRIC_TRAFFIC),
        _huawei_v2_list_target("peak", "bandwidth_list"),
        _huawei_v2_list_target("summary", "traffic_list"),
        _jd_target(),
        _openapi_target(METRIC_BANDWIDTH),
        _openapi_target(METRIC_TRAFFIC),
        _alibaba_target(METRIC_BANDWIDTH, "BpsDataPerInterval", "BpsValue"),
        _alibaba_target(METRIC_TRAFFIC, "TrafficDataPerInterval", "TrafficValue"),
        _decoder_target(VENDOR_HUAWEI),
        _decoder_target(VENDOR_JDCLOUD),
        _tencent_target(),
        _decoder_target("tencent"),
        _decoder_target("alibaba"),
        _config_target(),
    ]


TARGETS = _targets()
PARSERS = [t for t in TARGETS if t.name != "config loader"]
