"""Pure data shared by every layer: samples, decoded errors, fetch results, unit formatting. No I/O."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple

# The names vendors register under (livetop.vendors.registry), for their own modules' use. What a vendor is
# (its mark, APIs, limits) is in its spec, never branched on here.
VENDOR_HUAWEI = "huawei"
VENDOR_JDCLOUD = "jdcloud"


class Sample(NamedTuple):
    """One bucket of one metric. `bucket_start` is timezone-aware UTC, the start of the bucket."""

    bucket_start: datetime
    value: float


@dataclass(frozen=True, slots=True)
class DecodedError:
    """A vendor (or transport) error decoded into something a person can act on.

    `kind`: "vendor" (a code from the catalog), "unknown" (a code the catalog does not know; raw code and
    message shown), "transport" (no usable response: timeout, connection refused, non-JSON body),
    "malformed" (a 2xx whose body does not have the documented shape), "client" (a rule enforced before
    sending, e.g. a time range the vendor would refuse).
    `raw_message` is already redacted and shortened; it is safe to show, log and export. `raw_source` says
    whose words it is: "vendor" (the vendor's own message, code or an excerpt of the body it sent) or
    "livetop" (livetop's account of an answer it could not use: what the connection did, how far it read,
    what the body lacked), so the screen never quotes livetop as the vendor.
    """

    vendor: str
    code: str
    http_status: int | None
    title: str
    meaning: str
    action: str
    retryable: bool
    raw_message: str = ""
    kind: str = "vendor"
    throttled: bool = False
    retry_after: float | None = None
    # A token-expiry answer: the auth layer renews once and retries.
    token_expired: bool = False
    raw_source: str = "vendor"

    def short(self) -> str:
        """One line for an overview row: `CODE title`."""
        return f"{self.code} {self.title}"

    def as_dict(self) -> dict[str, object]:
        return {
            "vendor": self.vendor,
            "code": self.code,
            "http_status": self.http_status,
            "title": self.title,
            "meaning": self.meaning,
            "action": self.action,
            "retryable": self.retryable,
            "raw_message": self.raw_message,
            "kind": self.kind,
            "throttled": self.throttled,
            "raw_source": self.raw_source,
        }


class VendorError(Exception):
    """Raised by providers; carries the decoded error."""

    def __init__(self, error: DecodedError) -> None:
        super().__init__(f"{error.code}: {error.title}")
        self.error = error


@dataclass(slots=True)
class FetchResult:
    """What one provider fetch returns: samples per metric (sorted by bucket_start) and notices for the user
    (e.g. "start clamped to 3 months ago")."""

    bandwidth: list[Sample] = field(default_factory=list)
    traffic: list[Sample] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    requests: int = 0


# --- time helpers -------------------------------------------------------------------------------------------


def utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError("naive datetime: livetop works in timezone-aware UTC")
    try:
        return dt.astimezone(timezone.utc)
    except OverflowError:
        # 0001-01-01 00:00+08:00 is in year 0 in UTC (and 9999-12-31 23:00-12:00 in year 10000): such a time
        # lies hours past the calendar's edge, which is where it is put; every range rule then clamps it.
        offset = dt.utcoffset() or timedelta(0)
        edge = datetime.min if offset > timedelta(0) else datetime.max
        return edge.replace(tzinfo=timezone.utc)


def floor_to(dt: datetime, seconds: int) -> datetime:
    """Floor a UTC datetime to a multiple of `seconds` since the epoch."""
    ts = int(dt.timestamp())
    return datetime.fromtimestamp(ts - ts % seconds, tz=timezone.utc)


def ceil_to(dt: datetime, seconds: int) -> datetime:
    """The first multiple of `seconds` since the epoch at or after `dt` (aware UTC)."""
    floored = floor_to(dt, seconds)
    return floored if floored >= dt else floored + timedelta(seconds=seconds)


# UTC ISO 8601 with a Z and whole seconds: Huawei's wire format, and livetop's in JSON, CSV and tables.
ISO_UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso_utc(dt: datetime) -> str:
    """An aware datetime as `yyyy-MM-ddTHH:mm:ssZ` in UTC (sub-seconds dropped). Naive raises ValueError."""
    return utc(dt).strftime(ISO_UTC_FORMAT)


_ASCII_ISO_UTC = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


@lru_cache(maxsize=4096)
def parse_iso_utc(text: str) -> datetime:
    """`text` read as `datetime.strptime(text, ISO_UTC_FORMAT)` reads it, as an aware UTC datetime; ValueError
    for what strptime refuses. Callers check the type (a str) and their own wire rules first.

    Every answer of every domain carries the same few bucket labels, and strptime costs ~10 µs a call: a
    vendor answer of 13 points spent more time here than in the rest of its parse. So: a cache of the labels
    seen, and for the plain ASCII form the datetime built from its digits, which accepts and refuses exactly
    what strptime does for that form (out-of-range fields raise ValueError either way). Anything else (the
    looser forms strptime also reads) still goes through strptime."""
    if _ASCII_ISO_UTC.fullmatch(text):
        return datetime(
            int(text[0:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
            int(text[17:19]), tzinfo=timezone.utc,
        )  # fmt: skip
    return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=timezone.utc)


def parse_duration(text: str) -> int:
    """'90s', '15m', '1h', '24h', '7d' or a bare number of seconds -> seconds. Raises ValueError."""
    text = str(text).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if not text:
        raise ValueError("empty duration")
    if text[-1] in units:
        number, unit = text[:-1], units[text[-1]]
    else:
        number, unit = text, 1
    value = float(number)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"duration must be positive: {text!r}")
    return int(value * unit)


def format_duration(seconds: float) -> str:
    """Compact age/duration: 45s, 12m, 3h, 2d; '1h30m' style avoided to stay narrow."""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        h, m = divmod(seconds // 60, 60)
        return f"{h}h" if m == 0 else f"{h}h{m:02d}"
    return f"{seconds // 86400}d"


def format_window(seconds: int) -> str:
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"


# --- units ----------------------------------------------------------------------------------------------------

_SI = ["", "K", "M", "G", "T", "P", "E"]


def _si(value: float) -> tuple[float, str]:
    if value is None or not math.isfinite(value):
        return 0.0, ""
    idx = 0
    v = abs(value)
    while v >= 999.5 and idx < len(_SI) - 1:
        v /= 1000.0
        idx += 1
    return math.copysign(v, value), _SI[idx]


def _num(v: float) -> str:
    a = abs(v)
    if a >= 99.95:
        return f"{v:.0f}"
    if a >= 9.995:
        return f"{v:.1f}"
    return f"{v:.2f}"


def format_bps(bps: float | None) -> str:
    """SI, 1000-based: 1.25 Gbps, 820 Mbps, 0 bps."""
    if bps is None:
        return "-"
    v, prefix = _si(bps)
    return f"{_num(v)} {prefix}bps"


def format_bytes(n: float | None) -> str:
    """SI, 1000-based: 3.40 TB, 12.0 GB, 512 B."""
    if n is None:
        return "-"
    v, prefix = _si(n)
    return f"{_num(v)} {prefix}B"
