"""Parse DescribeLiveDomainBpsData / DescribeLiveDomainTrafficData answers. Pure: bytes in, samples or
`VendorError` out.

Success (HTTP 200), per the API pages and the SDK's response models
(alibabacloud_live20161101/models/_describe_live_domain_{bps,traffic}_data_response_body.py):
    {"DomainName": "example.com", "StartTime": "...Z", "EndTime": "...Z", "DataInterval": "300",
     "RequestId": "...",
     "BpsDataPerInterval": {"DataModule": [{"TimeStamp": "2017-12-10T08:00:00Z", "BpsValue": "11288111",
                                            "HttpBpsValue": "...", "HttpsBpsValue": "..."}]}}
    {... "TrafficDataPerInterval": {"DataModule": [{"TimeStamp": ..., "TrafficValue": "...", ...}]}}
Values are strings: BpsValue in bit/s (at Interval 300 the period's average; at 3600/86400 the peak of its
5-minute points), TrafficValue in bytes. TimeStamp is the bucket start, UTC.
Errors are HTTP 4xx/5xx with {"Code", "Message", "RequestId"}; the gateway's throttling answer may carry
`x-acs-retry-after` in milliseconds (the SDK's `Utils.get_throttling_time_left`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from livetop.model import Sample, VendorError, floor_to
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.body import json_number
from livetop.vendors.catalog import RETRY_AFTER_CAP_SECONDS, answer_object, decode, malformed
from livetop.vendors.alibaba.timerules import VENDOR, parse_time

# metric -> (the list's outer key, the value key)
SHAPES = {
    METRIC_BANDWIDTH: ("BpsDataPerInterval", "BpsValue"),
    METRIC_TRAFFIC: ("TrafficDataPerInterval", "TrafficValue"),
}


def _malformed(http_status: int, detail: str) -> VendorError:
    return VendorError(malformed(VENDOR, http_status, detail))


def _number(value: object) -> Decimal | None:
    """A non-negative finite number given as a string (the documented form) or a JSON number."""
    return json_number(value, strings=True)


def acs_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """`x-acs-retry-after` (milliseconds) in seconds, capped; None when absent, unreadable or not positive."""
    if not headers:
        return None
    raw = next((v for k, v in headers.items() if k.lower() == "x-acs-retry-after"), None)
    try:
        millis = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    if millis <= 0:
        return None
    return min(millis / 1000.0, RETRY_AFTER_CAP_SECONDS)


def decode_error(
    http_status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
) -> VendorError:
    """The decoded error of a non-2xx answer, with Alibaba's own retry hint when it gave one."""
    error = decode(VENDOR, http_status, body, headers, now=now, secrets=secrets)
    wait = acs_retry_after(headers)
    if wait is not None and error.retry_after is None:
        error = replace(error, retry_after=wait)
    return VendorError(error)


def parse_samples(metric: str, body: bytes, interval: int, http_status: int = 200) -> list[Sample]:
    """The samples of a 2xx body, sorted by bucket start. Raises VendorError(kind="malformed")."""
    outer_key, value_key = SHAPES[metric]
    doc = answer_object(body, VENDOR, http_status, metric, decimals=True)
    data_interval = doc.get("DataInterval")
    if data_interval is not None and str(data_interval).strip() != str(interval):
        # Points of another size would be stamped and summed as if they were the asked-for buckets. The
        # vendor's value is named only when it is a plain number: any other text could echo anything.
        given = str(data_interval).strip()
        given = f"{given}-second points" if given.isdigit() and len(given) <= 6 else "something else"
        raise _malformed(http_status, f"asked for {interval}-second points, got DataInterval of {given}")
    outer = doc.get(outer_key)
    if not isinstance(outer, dict):
        raise _malformed(http_status, f"the {metric} answer has no {outer_key!r} object")
    items = outer.get("DataModule")
    if items is None:
        items = []  # an empty range: Alibaba's serialiser may leave the list out
    if not isinstance(items, list):
        raise _malformed(http_status, f"{outer_key}.DataModule is not a list")
    by_start: dict[datetime, Sample] = {}
    for index, item in enumerate(items):
        where = f"{outer_key}.DataModule[{index}]"
        if not isinstance(item, dict):
            raise _malformed(http_status, f"{where} is not an object")
        number = _number(item.get(value_key))
        if number is None:
            raise _malformed(http_status, f"{where}.{value_key} is not a non-negative number")
        try:
            bucket_start = parse_time(item.get("TimeStamp"))
        except ValueError:
            raise _malformed(http_status, f"{where}.TimeStamp is not yyyy-MM-ddTHH:mm:ssZ") from None
        # A stamp off the grid (the API page's own example reads 08:00:05Z) belongs to the bucket it lies in.
        bucket_start = floor_to(bucket_start, interval)
        value = float(number) if metric == METRIC_BANDWIDTH else float(number.to_integral_value())
        if not math.isfinite(value):
            raise _malformed(http_status, f"{where}.{value_key} is too large to be a measurement")
        by_start[bucket_start] = Sample(bucket_start, value)
    return [by_start[t] for t in sorted(by_start)]


def parse_response(
    metric: str,
    http_status: int,
    body: bytes,
    interval: int = 300,
    headers: Mapping[str, str] | None = None,
    *,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
) -> list[Sample]:
    """Samples for a 2xx answer; any other status raises VendorError with the decoded vendor error
    (`secrets`, the account's credentials, masked wherever the vendor's message might echo them)."""
    if not 200 <= http_status < 300:
        raise decode_error(http_status, body, headers, now=now, secrets=secrets)
    return parse_samples(metric, body, interval, http_status)
