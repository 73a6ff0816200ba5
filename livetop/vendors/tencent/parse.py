"""Parse DescribeBillBandwidthAndFluxList answers. Pure: bytes in, points or `VendorError` out.

Success (HTTP 200): `{"Response": {"PeakBandwidthTime", "PeakBandwidth", "P95PeakBandwidthTime",
"P95PeakBandwidth", "SumFlux", "DataInfoList": [{"Time", "Bandwidth", "Flux", "PeakTime"}], "RequestId"}}`.
Failure is ALSO HTTP 200: `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}` — so the parser looks
for `Response.Error` before anything else, whatever the status.

Units (SDK 3.1.195 `models.py`, `BillDataInfo`): Bandwidth "单位是 Mbps", Flux "单位是 MB". Neither the SDK
nor the API page states the base. The one Tencent page that converts (its CSS billing guide,
tencentyun/qcloud-documents `product/视频服务/直播/计费说明.md`: 500 kbps x 1 h x 100 viewers =
"500/1024/1024/8*3600*100 = 21.5GB") is 1024-based, so `unit_base` defaults to 1024 for Tencent accounts
(declared in spec.py); an account may set 1000.

Times: `Time` and `PeakTime` are UTC `YYYY-MM-DDThh:mm:ssZ` when the request used that format (livetop's),
Beijing `YYYY-MM-DD hh:mm:ss` otherwise; both are read and converted to UTC here. `Time` is the bucket
start (see timerules.py). `PeakTime` is when within the bucket the peak fell: at Granularity 5 it is the
bucket itself ("原始数据为5分钟粒度"); at 60/1440 the 5-minute point inside the hour/day where the
Bandwidth (the peak) was reached. It is kept per point.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, DecimalException

from livetop.model import Sample, VendorError, utc
from livetop.vendors.body import BodyError, load_json
from livetop.vendors.body import json_number as _number
from livetop.vendors.catalog import decode, malformed
from livetop.vendors.tencent import VENDOR_TENCENT
from livetop.vendors.tencent.timerules import parse_time

# A point outside these years is no measurement (Tencent keeps 3 years), and the arithmetic done on a bucket
# later (its end, a window around it) would overflow near the calendar's edges.
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


@dataclass(slots=True)
class BillPoints:
    """Normalised points of one domain keyed by UTC bucket start: bit/s, bytes, and when the peak fell."""

    bandwidth_bps: dict[datetime, float] = field(default_factory=dict)
    traffic_bytes: dict[datetime, int] = field(default_factory=dict)
    peak_time: dict[datetime, datetime] = field(default_factory=dict)


def parse_bill(
    http_status: int,
    body: bytes,
    *,
    unit_base: int = 1024,
    granularity_minutes: int = 5,
    start: datetime | None = None,
    end: datetime | None = None,
    headers: Mapping[str, str] | None = None,
    now: datetime | None = None,
    secrets: Iterable[str] = (),
) -> BillPoints:
    """Points whose bucket start is in [start, end) (unbounded sides when None).

    `unit_base` 1000: 1 Mbps = 10^6 bit/s, 1 MB = 10^6 bytes; 1024: 1024^2 bit/s and 1024^2 bytes.
    Raises `VendorError` with a decoded error for every failure: a `Response.Error` (at any status), a
    non-2xx answer, a body that is not JSON, or a body without the documented shape.
    """

    def vendor_error() -> VendorError:
        return VendorError(decode(VENDOR_TENCENT, http_status, body, headers, now=now, secrets=secrets))

    def bad(detail: str) -> VendorError:
        return VendorError(malformed(VENDOR_TENCENT, http_status, detail))

    try:
        doc = load_json(body, decimals=True)
    except BodyError as exc:
        if exc.unreadable or not 200 <= http_status < 300:
            raise vendor_error() from None  # the catalog shows the status and an excerpt
        raise bad(f"the DescribeBillBandwidthAndFluxList answer {exc}") from None
    response = doc.get("Response") if isinstance(doc, dict) else None
    if isinstance(response, dict) and "Error" in response:
        raise vendor_error()
    if not 200 <= http_status < 300:
        raise vendor_error()
    if not isinstance(response, dict):
        raise bad("no `Response` object")
    items = response.get("DataInfoList")
    if not isinstance(items, list):
        raise bad(f"`Response.DataInfoList` is {type(items).__name__}, not a list of points")

    factor = Decimal(unit_base) ** 2
    width = timedelta(minutes=granularity_minutes)
    lo = utc(start) if start is not None else None
    hi = utc(end) if end is not None else None
    out = BillPoints()
    for index, item in enumerate(items):
        where = f"DataInfoList[{index}]"
        if not isinstance(item, dict):
            raise bad(f"{where} is {type(item).__name__}, not an object")
        try:
            bucket_start = parse_time(item.get("Time"))
        except ValueError:
            raise bad(f"{where}.Time is not a Tencent time") from None
        if not EARLIEST <= bucket_start < LATEST:
            raise bad(f"{where}.Time {bucket_start.year} is no measurement year")
        # Hours and 5-minute points sit on the UTC grid too (Beijing is UTC+8); days start at Beijing midnight.
        if granularity_minutes <= 60 and int(bucket_start.timestamp()) % (granularity_minutes * 60):
            raise bad(f"{where}.Time is not on the {granularity_minutes}-minute grid")
        bandwidth, flux = _number(item.get("Bandwidth")), _number(item.get("Flux"))
        if bandwidth is None or flux is None:
            raise bad(f"{where}: Bandwidth/Flux are not non-negative numbers")
        try:
            bandwidth_bps, traffic_bytes = float(bandwidth * factor), flux * factor
        except DecimalException:  # 1e999999 times the unit overflows Decimal's own range
            raise bad(f"{where}: Bandwidth/Flux are too large to be measurements") from None
        # 1e400 is a finite Decimal but no float: it would reach exports as `Infinity`.
        if not (math.isfinite(bandwidth_bps) and math.isfinite(float(traffic_bytes))):
            raise bad(f"{where}: Bandwidth/Flux are too large to be measurements")
        peak = item.get("PeakTime")
        peak_time = None
        if peak not in (None, ""):
            try:
                peak_time = parse_time(peak)
            except ValueError:
                raise bad(f"{where}.PeakTime is not a Tencent time") from None
            if not bucket_start <= peak_time < bucket_start + width:
                raise bad(f"{where}.PeakTime lies outside its {granularity_minutes}-minute bucket")
        if (lo is not None and bucket_start < lo) or (hi is not None and bucket_start >= hi):
            continue
        out.bandwidth_bps[bucket_start] = bandwidth_bps
        out.traffic_bytes[bucket_start] = int(traffic_bytes.to_integral_value())
        if peak_time is not None:
            out.peak_time[bucket_start] = peak_time
    return out


def to_samples(points: Mapping[datetime, float]) -> list[Sample]:
    return [Sample(t, float(v)) for t, v in sorted(points.items())]
