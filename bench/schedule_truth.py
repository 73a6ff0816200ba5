"""What each simulated vendor API would answer now for a domain's newest bandwidth bucket, without a request.

The simulator's data is a deterministic function of the scenario, the domain name, the simulator's anchor time
and "now" (livetop/sim/data.py), so bench/schedule.py computes the truth in-process with the simulator's own
functions (the checkout bench/schedule.py runs from: the same simulator serves both sides), in the unit the
engine stores (bit/s, after the vendor's wire rounding). `truth(t)` is `(newest bucket start, bit/s)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from livetop.sim import alibaba, data, jdcloud_openapi, tencent
from livetop.sim.scenario import load_scenario
from livetop.sim.server import FAULT_NOT_OWNED  # noqa: F401  (the same import the server makes)

BUCKET = 300  # every API here is polled at 5-minute buckets


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


def _peak(rate, b: int, t: float) -> float | None:
    rows = data.buckets(rate, b, b + BUCKET, BUCKET, t)
    return rows[0].peak_bps if rows else None


def _huawei(rate, b: int, t: float) -> float | None:
    peak = _peak(rate, b, t)
    return None if peak is None else float(round(peak))


def _jd_opencdn(rate, b: int, t: float) -> float | None:
    peak = _peak(rate, b, t)
    return None if peak is None else round(peak / 1e6, 2) * 1e6


def _jd_openapi(rate, b: int, t: float) -> float | None:
    points = jdcloud_openapi._points("bandwidth", rate, "fiveMin", _dt(b), _dt(t), _dt(t))
    return float(points[0]["data"]["value"]) if points else None


def _alibaba(rate, b: int, t: float) -> float | None:
    rows = alibaba.points(rate, _dt(b), _dt(t), BUCKET, _dt(t))
    return float(alibaba._fmt_bps(rows[0][1])) if rows else None


def _tencent(rate, b: int, t: float) -> float | None:
    peak = _peak(rate, b, t)
    return None if peak is None else tencent.mbps(peak) * tencent.UNIT_BASE**2


# (vendor, api) -> the engine's value of bucket b's bandwidth when asked at time t (None: the vendor has no
# data for that bucket yet)
VALUE: dict[tuple[str, str], Callable[[Callable[[int], float], int, float], float | None]] = {
    ("huawei", "v1"): _huawei,
    ("huawei", "v2"): _huawei,
    ("jdcloud", "opencdn"): _jd_opencdn,
    ("jdcloud", "openapi"): _jd_openapi,
    ("alibaba", "live"): _alibaba,
    ("tencent", "bill"): _tencent,
}


class Truth:
    """The newest bucket and its bandwidth, as the simulator would answer, per domain of one scenario."""

    def __init__(self, scenario_path: str, anchor_ts: int) -> None:
        scenario = load_scenario(scenario_path)
        account = scenario.accounts[0]
        self.value = VALUE[(account.vendor, account.api)]
        self.rates: dict[str, Callable[[int], float]] = {}
        for dom in account.domains:
            curve = data.DomainCurve(dom, scenario.seed, anchor_ts, scenario.event_period_seconds)
            self.rates[dom.name] = _memo(curve.rate_bps)

    def value_of(self, domain: str, bucket: int, t: float) -> float | None:
        """Bucket `bucket`'s bandwidth as the vendor answers it at `t` to a request that includes it."""
        return self.value(self.rates[domain], bucket, t)

    def __call__(self, domain: str, t: float) -> tuple[int, float]:
        """The newest bucket the vendor has data for at `t` (the one that has begun, or, when the simulator
        publishes a minute only once it completes, the one before it) and its bandwidth."""
        rate = self.rates[domain]
        b = int(t // BUCKET) * BUCKET
        for bucket in (b, b - BUCKET):
            value = self.value(rate, bucket, t)
            if value is not None:
                return bucket, value
        raise ValueError(f"the simulator has no data for {domain} at {t}")


def _memo(rate: Callable[[int], float]) -> Callable[[int], float]:
    cache: dict[int, float] = {}

    def cached(minute: int) -> float:
        value = cache.get(minute)
        if value is None:
            value = cache[minute] = rate(minute)
        return value

    return cached
