"""Huawei Live v1 response parsing: bytes in, samples or VendorError out. Pure, so it can be fuzzed.

`GET /v1/{project_id}/stream/bandwidth` answers
`{"total": n, "bandwidth_info": [{"bw_bps": int, "timestamp": str}]}`, bw_bps being the bucket's peak
bit/s; `/stream/traffic` answers `{"traffic_info": [{"traffic": int, ...}]}` in bytes. The timestamp is the
bucket start, UTC `yyyy-MM-ddTHH:mm:ssZ` (vendors.md §A2, the seed pages). A timestamp off the bucket grid
(`10:05:15Z` with 5-minute steps) is aligned to the start of its bucket, and a notice says so: left as it
was, it became a bucket of its own, and the newest "bucket" of a domain held one point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache

from livetop.model import VENDOR_HUAWEI, Sample, VendorError, floor_to
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.catalog import answer_object, decode, malformed
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


# Beijing midnight is 16:00Z: a grid that does not divide 8 hours (daily steps) may be the vendor's Beijing
# days rather than UTC ones, so such steps are not aligned (they would move a right bucket by hours).
ALIGNABLE_SECONDS = 8 * 3600
# A point this close to the calendar's edge (year 1 or 9999) is no measurement, and the arithmetic done on
# a bucket later (its end, a window around it) would overflow: dropped, with a notice.
EDGE_MARGIN = timedelta(days=2)


@lru_cache(maxsize=4096)
def _bucket_of(stamp: str, align: int | None) -> tuple[datetime | None, bool] | None:
    """(bucket start, whether aligning moved it) for a point's timestamp, with None for a point at the
    calendar's edge; None for a timestamp that is no `yyyy-MM-ddTHH:mm:ssZ`. Cached: every answer of every
    domain carries the same few labels, and their parsing was most of the parse's time (bench/README.md)."""
    try:
        bucket_start = parse_time(stamp)
    except ValueError:
        return None
    try:
        bucket_start - EDGE_MARGIN, bucket_start + EDGE_MARGIN  # may overflow
    except OverflowError:
        return None, False
    if align:
        aligned = floor_to(bucket_start, align)
        return aligned, aligned != bucket_start
    return bucket_start, False


def _malformed(http_status: int, detail: str, secrets: Iterable[str] = ()) -> VendorError:
    return VendorError(malformed(VENDOR_HUAWEI, http_status, detail, secrets))


def points_list(doc: dict, key: str, what: str, http_status: int, secrets: Iterable[str] = ()) -> list:
    """The list of points under `key` in an answer (v1 and v2 alike)."""
    items = doc.get(key)
    if items is None:
        raise _malformed(http_status, f"the {what} answer has no {key!r} list", secrets)
    if not isinstance(items, list):
        raise _malformed(http_status, f"{key!r} is not a list", secrets)
    return items


def measure(item: object, key: str, where: str, http_status: int, secrets: Iterable[str] = ()) -> float:
    """`item[key]` of the point at `where` ("bandwidth_info[3]") as a non-negative finite float."""
    if not isinstance(item, dict):
        raise _malformed(http_status, f"{where} is not an object", secrets)
    value = item.get(key)
    # bool is an int in Python but never a measurement; NaN/inf and negatives are not measurements.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _malformed(http_status, f"{where}.{key} is not a number", secrets)
    # An int past float range (10**400) is no measurement either, and float() of it would raise.
    number = value if isinstance(value, float) else _int_as_float(value)
    if number < 0 or not math.isfinite(number):
        raise _malformed(http_status, f"{where}.{key} is not a non-negative finite number", secrets)
    return number


def read_series(
    metric: str,
    items: list,
    keys: tuple[str, str, str],
    http_status: int,
    *,
    bucket_seconds: int | None = None,
    notices: list[str] | None = None,
    secrets: Iterable[str] = (),
) -> list[Sample]:
    """The samples of the points `items` (v1's `bandwidth_info`, v2's `data_list`), sorted by bucket start;
    `keys`: (the list's key, the value's, the time's). With `bucket_seconds`, a point off that grid is
    stamped with the start of its bucket, and a point at the calendar's edge is dropped, each with a notice
    appended to `notices`."""
    list_key, value_key, time_key = keys
    align = bucket_seconds if bucket_seconds and ALIGNABLE_SECONDS % bucket_seconds == 0 else None
    off_grid = edge = 0
    by_start: dict = {}
    for index, item in enumerate(items):
        # The path of a bad point (`bandwidth_info[3]`) is only spelled out when there is one.
        where = f"{list_key}[{index}]"
        value = measure(item, value_key, where, http_status, secrets)
        stamp = item.get(time_key)
        bucket = _bucket_of(stamp, align) if isinstance(stamp, str) else None
        if bucket is None:
            raise _malformed(http_status, f"{where}.{time_key} is not yyyy-MM-ddTHH:mm:ssZ", secrets)
        bucket_start, moved = bucket
        if bucket_start is None:
            edge += 1
            continue
        off_grid += moved
        # A repeated bucket keeps the last value, as the series merge does.
        by_start[bucket_start] = Sample(bucket_start, value)
    if edge and notices is not None:
        notices.append(f"Huawei sent {edge} {metric} point(s) stamped at the calendar's edge: dropped")
    if off_grid and notices is not None:
        notices.append(
            f"Huawei sent {off_grid} {metric} point(s) off the {align // 60}-minute grid: each was aligned to "
            "the start of its bucket"
        )
    return [by_start[t] for t in sorted(by_start)]


def parse_samples(
    metric: str,
    body: bytes,
    http_status: int = 200,
    *,
    bucket_seconds: int | None = None,
    notices: list[str] | None = None,
    secrets: Iterable[str] = (),
) -> list[Sample]:
    """The samples of a 2xx body, sorted by bucket start. Raises VendorError(kind="malformed").

    With `bucket_seconds`, a point off that grid is stamped with the start of its bucket, and a notice is
    appended to `notices`."""
    list_key, value_key = SHAPES[metric]
    secrets = tuple(secrets)
    doc = answer_object(body, VENDOR_HUAWEI, http_status, metric, secrets=secrets)
    items = points_list(doc, list_key, metric, http_status, secrets)
    return read_series(
        metric, items, (list_key, value_key, "timestamp"), http_status,
        bucket_seconds=bucket_seconds, notices=notices, secrets=secrets,
    )  # fmt: skip


def parse_response(
    metric: str,
    http_status: int,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    secrets: Iterable[str] = (),
    *,
    bucket_seconds: int | None = None,
    notices: list[str] | None = None,
) -> list[Sample]:
    """Samples for a 2xx answer; any other status raises VendorError with the decoded vendor error
    (`secrets`, the account's credentials, are masked wherever the vendor's message might echo them).
    `bucket_seconds` and `notices`: see `parse_samples`."""
    if not 200 <= http_status < 300:
        raise VendorError(decode(VENDOR_HUAWEI, http_status, body, headers, secrets=secrets))
    return parse_samples(
        metric, body, http_status, bucket_seconds=bucket_seconds, notices=notices, secrets=secrets
    )
