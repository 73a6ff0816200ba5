"""Parse JD opencdn `bandwidth_flow` answers. Pure: bytes in, samples or `VendorError` out.

Success: `{"status": 0, "msg": "成功", "data": [{"2018-06-02 17:15": {" play.live.com ": {"bandwidth": Mbps,
"flow": MB}}}, ...]}` — domain keys may carry stray spaces; labels are Beijing time, bucket ends.
Anything else becomes a decoded error: `status` != 0 (JD's `msg` kept), a non-2xx answer, a body that is
not JSON, or a body without this shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from livetop.model import VENDOR_JDCLOUD, Sample, VendorError, utc
from livetop.vendors.catalog import decode, malformed
from livetop.vendors.jdcloud.timerules import label_to_bucket_start


@dataclass(slots=True)
class BandwidthFlow:
    """Normalised points of one domain: bit/s and bytes, keyed by UTC bucket start."""

    bandwidth_bps: dict[datetime, float]
    traffic_bytes: dict[datetime, int]


def _number(value: object) -> Decimal | None:
    # Decimal keeps "6.1" exact, so 6.1 Mbps is exactly 6_100_000 bit/s.
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return number if number.is_finite() and number >= 0 else None
    return None


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
    if not 200 <= http_status < 300:
        raise VendorError(decode(VENDOR_JDCLOUD, http_status, body, headers, now=now, secrets=secrets))
    try:
        # NaN/Infinity literals stay floats and are refused as numbers below.
        doc = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, ValueError):
        # Not JSON at all (truncated, an HTML page): the catalog's transport decoding shows an excerpt.
        raise VendorError(
            decode(VENDOR_JDCLOUD, http_status, body, headers, now=now, secrets=secrets)
        ) from None

    def bad(detail: str) -> VendorError:
        return VendorError(malformed(VENDOR_JDCLOUD, http_status, detail))

    if not isinstance(doc, dict):
        raise bad(f"expected a JSON object, got {type(doc).__name__}")
    status = doc.get("status")
    if isinstance(status, bool) or not isinstance(status, int | str):
        raise bad("no integer `status` field")
    if status != 0 and str(status).strip() != "0":
        raise VendorError(decode(VENDOR_JDCLOUD, http_status, body, headers, now=now, secrets=secrets))
    data = doc.get("data")
    if not isinstance(data, list):
        raise bad(f"`data` is {type(data).__name__}, not a list of points")

    factor = Decimal(unit_base) ** 2
    wanted = domain.strip().lower()
    lo = utc(start) if start is not None else None
    hi = utc(end) if end is not None else None
    out = BandwidthFlow({}, {})
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            raise bad(f"data[{index}] is {type(item).__name__}, not an object")
        for label, domains in item.items():
            try:
                bucket_start = label_to_bucket_start(label)
            except ValueError:
                raise bad(f"data[{index}]: bad time label {label[:40]!r}") from None
            if not isinstance(domains, dict):
                raise bad(f"data[{index}][{label!r}] is not an object of domains")
            for key, values in domains.items():
                if key.strip().lower() != wanted:
                    continue
                if not isinstance(values, dict):
                    raise bad(f"data[{index}][{label!r}]: domain entry is not an object")
                bandwidth, flow = _number(values.get("bandwidth")), _number(values.get("flow"))
                if bandwidth is None or flow is None:
                    raise bad(f"data[{index}][{label!r}]: bandwidth/flow are not non-negative numbers")
                bandwidth_bps, traffic_bytes = float(bandwidth * factor), flow * factor
                # 1e400 is a finite Decimal but no float: it would reach exports as `Infinity`.
                if not (math.isfinite(bandwidth_bps) and math.isfinite(float(traffic_bytes))):
                    raise bad(f"data[{index}][{label!r}]: bandwidth/flow are too large to be measurements")
                if (lo is not None and bucket_start < lo) or (hi is not None and bucket_start >= hi):
                    continue
                out.bandwidth_bps[bucket_start] = bandwidth_bps
                out.traffic_bytes[bucket_start] = int(traffic_bytes.to_integral_value())
    return out


def to_samples(points: Mapping[datetime, float]) -> list[Sample]:
    return [Sample(t, v) for t, v in sorted(points.items())]
