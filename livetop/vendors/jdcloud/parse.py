"""Parse JD opencdn `bandwidth_flow` answers. Pure: bytes in, samples or `VendorError` out.

Success: `{"status": 0, "msg": "成功", "data": [{"2018-06-02 17:15": {" play.live.com ": {"bandwidth": Mbps,
"flow": MB}}}, ...]}` — domain keys may carry stray spaces; labels are Beijing time, bucket ends.
Anything else becomes a decoded error: `status` != 0 (JD's `msg` kept), a non-2xx answer, a body that is
not JSON, or a body without this shape, or a number livetop cannot hold. A `msg` that is not UTF-8 (GBK
`成功`) does not spoil good data: only the message is affected, so it is read leniently. A point whose label
is a time that has no UTC equivalent (the calendar's edges) is dropped with a notice; a label off the
5-minute grid is aligned to its bucket with a notice.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, DecimalException

from livetop.model import VENDOR_JDCLOUD, Sample, VendorError, floor_to, utc
from livetop.vendors.body import json_number as _number
from livetop.vendors.catalog import answer_object, decode, malformed
from livetop.vendors.jdcloud.timerules import BUCKET, OutsideCalendar, label_to_bucket_start

BUCKET_SECONDS = int(BUCKET.total_seconds())
# A point this close to the calendar's edge (year 1 or 9999) is no measurement, and the arithmetic done on
# a bucket later (its end, a window around it, Beijing time) would overflow.
EDGE_MARGIN = timedelta(days=2)
# Fields that only carry words: bytes there that are not UTF-8 must not cost the data beside them.
_MESSAGE_KEYS = ("msg", "message")


@dataclass(slots=True)
class BandwidthFlow:
    """Normalised points of one domain: bit/s and bytes, keyed by UTC bucket start."""

    bandwidth_bps: dict[datetime, float]
    traffic_bytes: dict[datetime, int]
    notices: list[str] = field(default_factory=list)


def parse_bandwidth_flow(
    http_status: int,
    body: bytes,
    domain: str,
    *,
    unit_base: int = 1000,
    start: datetime | None = None,
    end: datetime | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
) -> BandwidthFlow:
    """Points of `domain` whose bucket start is in [start, end) (unbounded sides when None).

    `unit_base` 1000: 1 Mbps = 10^6 bit/s and 1 MB = 10^6 bytes; 1024: 1024^2 bit/s and 1024^2 bytes.
    Raises `VendorError` with a decoded error for every failure.
    """
    secrets = tuple(secrets)

    def decoded() -> VendorError:
        return VendorError(decode(VENDOR_JDCLOUD, http_status, body, headers, now=now, secrets=secrets))

    def bad(detail: str) -> VendorError:
        return VendorError(malformed(VENDOR_JDCLOUD, http_status, detail, secrets))

    if not 200 <= http_status < 300:
        raise decoded()
    # Not JSON at all (truncated, an HTML page): the catalog's transport decoding shows an excerpt. A `msg`
    # that is not UTF-8 is read leniently. NaN/Infinity literals stay floats and are refused below.
    doc = answer_object(
        body, VENDOR_JDCLOUD, http_status, "bandwidth_flow", secrets=secrets, unreadable=decoded,
        decimals=True, lenient_keys=_MESSAGE_KEYS,
    )  # fmt: skip
    status = doc.get("status")
    if isinstance(status, bool) or not isinstance(status, int | str):
        raise bad("no integer `status` field")
    if status != 0 and str(status).strip() != "0":
        raise decoded()
    data = doc.get("data")
    if not isinstance(data, list):
        raise bad(f"`data` is {type(data).__name__}, not a list of points")

    factor = Decimal(unit_base) ** 2
    wanted = domain.strip().lower()
    lo = utc(start) if start is not None else None
    hi = utc(end) if end is not None else None
    out = BandwidthFlow({}, {})
    unreadable: list[str] = []
    off_grid = 0
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise bad(f"data[{index}] is {type(item).__name__}, not an object")
        for label, domains in item.items():
            try:
                bucket_start = label_to_bucket_start(label)
                bucket_start - EDGE_MARGIN, bucket_start + EDGE_MARGIN  # noqa: B018 - may overflow
            except (OutsideCalendar, OverflowError):
                # A time with no UTC equivalent (0001-01-01 00:00 Beijing is in year 0): the healthy points
                # of the answer still count.
                unreadable.append(label.strip()[:40])
                continue
            except ValueError:
                raise bad(f"data[{index}]: bad time label {label[:40]!r}") from None
            if not isinstance(domains, dict):
                raise bad(f"data[{index}][{label!r}] is not an object of domains")
            aligned = floor_to(bucket_start, BUCKET_SECONDS)
            for key, values in domains.items():
                if key.strip().lower() != wanted:
                    continue
                if not isinstance(values, dict):
                    raise bad(f"data[{index}][{label!r}]: domain entry is not an object")
                bandwidth, flow = _number(values.get("bandwidth")), _number(values.get("flow"))
                if bandwidth is None or flow is None:
                    raise bad(f"data[{index}][{label!r}]: bandwidth/flow are not non-negative numbers")
                try:
                    bandwidth_bps, traffic_bytes = float(bandwidth * factor), flow * factor
                    traffic_float = float(traffic_bytes)
                except (DecimalException, OverflowError):
                    # 1e999999 is a valid JSON number, but past Decimal's range once converted.
                    bandwidth_bps = traffic_float = math.inf
                # 1e400 is a finite Decimal but no float: it would reach exports as `Infinity`.
                if not (math.isfinite(bandwidth_bps) and math.isfinite(traffic_float)):
                    raise bad(f"data[{index}][{label!r}]: bandwidth/flow are too large to be measurements")
                traffic_int = int(traffic_bytes.to_integral_value())
                if (lo is not None and aligned < lo) or (hi is not None and aligned >= hi):
                    continue
                off_grid += aligned != bucket_start
                out.bandwidth_bps[aligned] = bandwidth_bps
                out.traffic_bytes[aligned] = traffic_int
    if unreadable:
        shown = ", ".join(repr(label) for label in unreadable[:3]) + (" …" if len(unreadable) > 3 else "")
        out.notices.append(
            f"JD sent {len(unreadable)} point(s) labelled with a time outside the calendar ({shown}): dropped"
        )
    if off_grid:
        out.notices.append(
            f"JD sent {off_grid} point(s) off the 5-minute grid: each was aligned to the start of its bucket"
        )
    return out


def to_samples(points: Mapping[datetime, float]) -> list[Sample]:
    return [Sample(t, v) for t, v in sorted(points.items())]
