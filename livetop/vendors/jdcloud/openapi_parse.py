"""Parse JD Cloud OpenAPI `describeLiveStreamBandwidthData` / `describeLiveStreamTrafficData` answers.
Pure: bytes in, points or `VendorError` out.

Success (vendors.md §C2): `{"requestId": .., "result": {"dataList": [{"startTime": "2026-11-20T11:00:00Z",
"endTime": "2026-11-20T11:05:00Z", "data": {"value": 123, "maxValueTime": ..}}]}}`. Bandwidth `value` is
bit/s and is the AVERAGE over the point's period (平均带宽, the SDK's request docstring); traffic `value` is
bytes. Each point states its own start and end, so the bucket start is `startTime` as given, in UTC.

Errors: `{"requestId": .., "error": {"code": <HTTP status>, "status": "INVALID_ARGUMENT", "message": ..}}`.
The official SDK takes an error only from a body holding both `requestId` and `error`; livetop decodes an
`error` object wherever it appears (a proxy in between may drop the id), and any non-2xx answer, through
the catalog. A point without a value (`data` or `value` null) is left out rather than shown as zero: a
missing figure must not look like an audience drop.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from livetop.model import VENDOR_JDCLOUD, VendorError, utc
from livetop.vendors.base import METRIC_BANDWIDTH, METRIC_TRAFFIC
from livetop.vendors.body import json_number as _number
from livetop.vendors.catalog import answer_object, decode, malformed

_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})")


def parse_point_time(text: object) -> datetime:
    """`yyyy-MM-ddTHH:mm:ssZ` (an explicit offset or fractional seconds tolerated) -> aware UTC.
    Raises ValueError: a time without a zone could be UTC or Beijing time, so it is refused."""
    if not isinstance(text, str) or not _TIME.fullmatch(text.strip()):
        raise ValueError(f"not a UTC time: {str(text)[:40]!r}")
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00")).astimezone(timezone.utc)


def parse_statistics(
    metric: str,
    http_status: int,
    body: bytes,
    *,
    period_seconds: int = 300,
    start: datetime | None = None,
    end: datetime | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
) -> dict[datetime, float] | dict[datetime, int]:
    """Points keyed by UTC bucket start in [start, end) (unbounded sides when None): bit/s (float) for
    bandwidth, bytes (int) for traffic. Raises `VendorError` with a decoded error for every failure."""
    if metric not in (METRIC_BANDWIDTH, METRIC_TRAFFIC):
        raise ValueError(f"unknown metric {metric!r}")

    secrets = tuple(secrets)

    def decoded() -> VendorError:
        return VendorError(decode(VENDOR_JDCLOUD, http_status, body, headers, now=now, secrets=secrets))

    def bad(detail: str) -> VendorError:
        # The detail may quote the answer (a time field echoing a key): masked with the account's secrets.
        return VendorError(malformed(VENDOR_JDCLOUD, http_status, detail, secrets))

    if not 200 <= http_status < 300:
        raise decoded()
    doc = answer_object(body, VENDOR_JDCLOUD, http_status, metric, secrets=secrets, unreadable=decoded,
                        decimals=True)  # fmt: skip
    if doc.get("error") is not None:
        raise decoded()
    result = doc.get("result")
    if not isinstance(result, dict):
        raise bad("no `result` object")
    if "dataList" not in result:
        raise bad("`result` has no `dataList`")
    data_list = result["dataList"]
    if data_list is None:  # JD's Java backend writes an empty list as null
        data_list = []
    if not isinstance(data_list, list):
        raise bad(f"`dataList` is {type(data_list).__name__}, not a list of points")

    lo = utc(start) if start is not None else None
    hi = utc(end) if end is not None else None
    grid = min(period_seconds, 3600)  # longer periods may start on Beijing days, not UTC ones
    out: dict = {}
    for index, item in enumerate(data_list):
        where = f"dataList[{index}]"
        if not isinstance(item, dict):
            raise bad(f"{where} is {type(item).__name__}, not an object")
        try:
            bucket_start = parse_point_time(item.get("startTime"))
            bucket_end = parse_point_time(item.get("endTime"))
        except (ValueError, OverflowError) as exc:
            raise bad(f"{where}: {exc}") from None
        length = (bucket_end - bucket_start).total_seconds()
        if not 0 < length <= period_seconds:
            raise bad(f"{where}: {item['startTime']} .. {item['endTime']} is not one {period_seconds // 60}"
                      "-minute period")  # fmt: skip
        if bucket_start.timestamp() % grid:
            raise bad(f"{where}: startTime {item['startTime']} is off the {period_seconds // 60}-minute grid")
        data = item.get("data")
        if data is None:
            continue
        if not isinstance(data, dict):
            raise bad(f"{where}.data is {type(data).__name__}, not an object")
        if data.get("value") is None:
            continue
        value = _number(data.get("value"))
        if value is None:
            raise bad(f"{where}.data.value is not a non-negative number")
        if not math.isfinite(float(value)):
            raise bad(f"{where}.data.value is too large to be a measurement")
        if (lo is not None and bucket_start < lo) or (hi is not None and bucket_start >= hi):
            continue
        out[bucket_start] = float(value) if metric == METRIC_BANDWIDTH else int(value.to_integral_value())
    return out
