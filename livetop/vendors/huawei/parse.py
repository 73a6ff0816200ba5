"""Huawei Live v1 response parsing: bytes in, samples or VendorError out. Pure, so it can be fuzzed.

`GET /v1/{project_id}/stream/bandwidth` answers
`{"total": n, "bandwidth_info": [{"bw_bps": int, "timestamp": str}]}`, bw_bps being the bucket's peak
bit/s; `/stream/traffic` answers `{"traffic_info": [{"traffic": int, ...}]}` in bytes. The timestamp is the
bucket start, UTC `yyyy-MM-ddTHH:mm:ssZ` (vendors.md §A2, the seed pages).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping

from livetop.model import VENDOR_HUAWEI, Sample, VendorError
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.catalog import decode, malformed
from livetop.vendors.huawei.timerules import parse_time

# metric -> (list key, value key) in the 200 body
SHAPES = {
    METRIC_BANDWIDTH: ("bandwidth_info", "bw_bps"),
    METRIC_TRAFFIC: ("traffic_info", "traffic"),
}


def _int_as_float(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _malformed(http_status: int, detail: str) -> VendorError:
    return VendorError(malformed(VENDOR_HUAWEI, http_status, detail))


def parse_samples(metric: str, body: bytes, http_status: int = 200) -> list[Sample]:
    """The samples of a 2xx body, sorted by bucket start. Raises VendorError(kind="malformed")."""
    list_key, value_key = SHAPES[metric]
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _malformed(http_status, f"the {metric} answer is not JSON") from None
    if not isinstance(doc, dict):
        raise _malformed(http_status, f"the {metric} answer is not a JSON object")
    items = doc.get(list_key)
    if items is None:
        raise _malformed(http_status, f"the {metric} answer has no {list_key!r} list")
    if not isinstance(items, list):
        raise _malformed(http_status, f"{list_key!r} is not a list")
    by_start: dict = {}
    for index, item in enumerate(items):
        where = f"{list_key}[{index}]"
        if not isinstance(item, dict):
            raise _malformed(http_status, f"{where} is not an object")
        value = item.get(value_key)
        # bool is an int in Python but never a bandwidth; NaN/inf and negatives are not measurements.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _malformed(http_status, f"{where}.{value_key} is not a number")
        # An int past float range (10**400) is no measurement either, and float() of it would raise.
        if value < 0 or not math.isfinite(value if isinstance(value, float) else _int_as_float(value)):
            raise _malformed(http_status, f"{where}.{value_key} is not a non-negative finite number")
        try:
            bucket_start = parse_time(item.get("timestamp"))
        except ValueError:
            raise _malformed(http_status, f"{where}.timestamp is not yyyy-MM-ddTHH:mm:ssZ") from None
        # A repeated bucket keeps the last value, as the series merge does.
        by_start[bucket_start] = Sample(bucket_start, float(value))
    return [by_start[t] for t in sorted(by_start)]


def parse_response(
    metric: str,
    http_status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
) -> list[Sample]:
    """Samples for a 2xx answer; any other status raises VendorError with the decoded vendor error
    (`secrets`, the account's credentials, are masked wherever the vendor's message might echo them)."""
    if not 200 <= http_status < 300:
        raise VendorError(decode(VENDOR_HUAWEI, http_status, body, headers, secrets=secrets))
    return parse_samples(metric, body, http_status)
