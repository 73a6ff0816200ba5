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

from collections.abc import Iterable, Mapping

from livetop.model import VENDOR_HUAWEI, Sample, VendorError
from livetop.vendors.catalog import answer_object, decode, malformed
from livetop.vendors.huawei.parse import measure, points_list, read_series

API = "v2"
LIST_KEYS = {"peak": "bandwidth_list", "summary": "traffic_list"}


def _malformed(http_status: int, detail: str) -> VendorError:
    return VendorError(malformed(VENDOR_HUAWEI, http_status, detail))


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
    the v1 parser does (the same reading: `huawei.parse.read_series`)."""
    what = f"v2 {metric} detail"
    doc = answer_object(body, VENDOR_HUAWEI, http_status, what)
    items = points_list(doc, "data_list", what, http_status)
    return read_series(
        metric, items, ("data_list", "value", "time"), http_status, bucket_seconds=interval, notices=notices
    )


def parse_per_domain(kind: str, body: bytes, http_status: int = 200) -> dict[str, float]:
    """{play domain (lower case): value} of a 2xx peak or summary answer."""
    key = LIST_KEYS[kind]
    what = f"v2 {kind}"
    doc = answer_object(body, VENDOR_HUAWEI, http_status, what)
    values: dict[str, float] = {}
    for index, item in enumerate(points_list(doc, key, what, http_status)):
        where = f"{key}[{index}]"
        value = measure(item, "value", where, http_status)
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
