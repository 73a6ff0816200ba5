"""Huawei Live v2 statistics parsing: bytes in, samples (or per-domain values) or VendorError out. Pure.

- `stats/bandwidth/detail`: `{"data_list": [{"value": bps, "time": "yyyy-MM-ddTHH:mm:ssZ"}]}`, one series
  summed over the requested play_domains (livetop asks for one domain per call).
- `stats/traffic/detail`: the same shape, bytes per bucket.
- `stats/bandwidth/peak`: `{"bandwidth_list": [{"domain": .., "value": bps}]}`, one peak per domain.
- `stats/traffic/summary`: `{"traffic_list": [{"domain": .., "value": bytes}]}`, one total per domain.

`data_list[].time` is taken as the bucket START. The vendor does not say so outright (its SDK model says only
"sample time"), but two documentation statements imply it: a request for 07:00:00Z-07:04:59Z "counts the
5-minute bandwidth of this interval", and only a start label lies inside it; and the console puts the data of
8:00:00-8:04:59 "on the 8:00:00 point" (shared/operations.md §5). The first real call should confirm it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from livetop.model import VENDOR_HUAWEI, Sample, VendorError, floor_to
from livetop.vendors.catalog import answer_object, decode, malformed
from livetop.vendors.huawei.parse import ALIGNABLE_SECONDS, EDGE_MARGIN
from livetop.vendors.huawei.timerules import parse_time

API = "v2"
LIST_KEYS = {"peak": "bandwidth_list", "summary": "traffic_list"}


def _malformed(http_status: int, detail: str) -> VendorError:
    return VendorError(malformed(VENDOR_HUAWEI, http_status, detail))


def _items(doc: dict, key: str, http_status: int, what: str) -> list:
    items = doc.get(key)
    if items is None:
        raise _malformed(http_status, f"the {what} answer has no {key!r} list")
    if not isinstance(items, list):
        raise _malformed(http_status, f"{key!r} is not a list")
    return items


def _value(item: object, where: str, http_status: int) -> float:
    if not isinstance(item, dict):
        raise _malformed(http_status, f"{where} is not an object")
    value = item.get("value")
    # bool is an int in Python but never a measurement; NaN/inf, huge ints and negatives are not either.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(http_status, f"{where}.value is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if number < 0 or not math.isfinite(number):
        raise _malformed(http_status, f"{where}.value is not a non-negative finite number")
    return number


def parse_detail(
    metric: str,
    body: bytes,
    http_status: int = 200,
    *,
    interval: int | None = None,
    notices: list[str] | None = None,
) -> list[Sample]:
    """Samples of a 2xx detail answer, sorted by bucket start (`time` read as the bucket start).

    With `interval`, a point off that grid is stamped with the start of its bucket (UTC; day buckets are not
    moved, they may be Beijing days), and a point at the calendar's edge is dropped, each with a notice, as
    the v1 parser does."""
    what = f"v2 {metric} detail"
    doc = answer_object(body, VENDOR_HUAWEI, http_status, what)
    align = interval if interval and ALIGNABLE_SECONDS % interval == 0 else None
    by_start: dict = {}
    off_grid = edge = 0
    for index, item in enumerate(_items(doc, "data_list", http_status, what)):
        where = f"data_list[{index}]"
        value = _value(item, where, http_status)
        try:
            bucket_start = parse_time(item.get("time"))
        except ValueError:
            raise _malformed(http_status, f"{where}.time is not yyyy-MM-ddTHH:mm:ssZ") from None
        try:
            bucket_start - EDGE_MARGIN, bucket_start + EDGE_MARGIN  # noqa: B018 - may overflow
        except OverflowError:
            edge += 1
            continue
        if align:
            aligned = floor_to(bucket_start, align)
            off_grid += aligned != bucket_start
            bucket_start = aligned
        by_start[bucket_start] = Sample(bucket_start, value)  # a repeated bucket keeps the last value
    if notices is not None and edge:
        notices.append(f"Huawei sent {edge} {metric} point(s) stamped at the calendar's edge: dropped")
    if notices is not None and off_grid:
        notices.append(
            f"Huawei sent {off_grid} {metric} point(s) off the {align // 60}-minute grid: each was aligned to "
            "the start of its bucket"
        )
    return [by_start[t] for t in sorted(by_start)]


def parse_per_domain(kind: str, body: bytes, http_status: int = 200) -> dict[str, float]:
    """{play domain (lower case): value} of a 2xx peak or summary answer."""
    key = LIST_KEYS[kind]
    what = f"v2 {kind}"
    doc = answer_object(body, VENDOR_HUAWEI, http_status, what)
    values: dict[str, float] = {}
    for index, item in enumerate(_items(doc, key, http_status, what)):
        where = f"{key}[{index}]"
        value = _value(item, where, http_status)
        domain = item.get("domain")
        if not isinstance(domain, str) or not domain.strip():
            raise _malformed(http_status, f"{where}.domain is not a domain name")
        values[domain.strip().lower()] = value
    return values


def raise_for_status(
    http_status: int, body: bytes, headers: Mapping[str, str] | None = None, secrets: Iterable[str] = ()
) -> None:
    """Any non-2xx answer as VendorError, decoded with the catalog's v2 variants."""
    if not 200 <= http_status < 300:
        raise VendorError(decode(VENDOR_HUAWEI, http_status, body, headers, secrets=secrets, api=API))

