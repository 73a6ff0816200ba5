"""Deterministic traffic for simulated play domains.

Each domain has a rate (bit/s) for every minute since the epoch: a daily curve in Beijing time (night trough,
evening prime-time peak) scaled by a per-domain base, times a broadcast event (a kickoff ramp to a peak, or a
stream drop to near zero and back) that repeats with the scenario's period, times a little noise. Everything
derives from the domain name, the scenario seed and the simulator's anchor time, so the same query always
gets the same answer. Buckets only cover completed minutes: the vendor's newest data changes once a minute (as
each minute completes, `UPDATE_SECONDS`), so two questions within one minute get the same answer. The current
bucket's traffic is the sum over its completed minutes and its bandwidth their peak; a bucket with no
completed minute yet is not in the answer at all (the vendor has nothing for it), rather than a zero that
would read as an audience lost.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from livetop.sim.scenario import EVENT_DROP, EVENT_KICKOFF, EVENT_NONE, SimDomain

_MASK64 = (1 << 64) - 1
_BEIJING_OFFSET_MINUTES = 8 * 60
_DAY_NORMALISER = 0.86  # max of the raw daily shape, so base_mbps is roughly the evening peak

# Kickoff: ramp 10 min, hold 30 min at the peak, decay over 15 min.
_KICKOFF_RAMP, _KICKOFF_HOLD_END, _KICKOFF_END = 600, 2400, 3300
# Drop: falls within a minute to 3 %, stays down 9 minutes, recovers over 6.
_DROP_FLOOR, _DROP_FALL, _DROP_RECOVER_START, _DROP_END = 0.03, 60, 600, 960


UPDATE_SECONDS = 60  # the simulated vendors publish a minute's data once it completes


class Bucket(NamedTuple):
    start_ts: int  # bucket start, seconds since the epoch (UTC)
    peak_bps: float  # peak minute rate over the bucket's completed minutes
    traffic_bytes: float  # bytes delivered in the bucket's completed minutes


def _mix64(x: int) -> int:
    """splitmix64 finaliser: a cheap, well-spread integer hash (deterministic noise without an RNG object)."""
    x &= _MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)


def _unit(digest: bytes, index: int) -> float:
    """A number in [0, 1) taken from two bytes of a digest."""
    return int.from_bytes(digest[2 * index : 2 * index + 2], "big") / 65536.0


def daily_shape(beijing_hour: float) -> float:
    """Relative audience by Beijing hour: trough near 04:00, afternoon plateau, prime-time peak near 21:00."""
    base = 0.12 + 0.38 * (1.0 - math.cos(2.0 * math.pi * (beijing_hour - 4.0) / 24.0)) / 2.0
    distance = abs(beijing_hour - 21.0) % 24.0
    distance = min(distance, 24.0 - distance)
    return (base + 0.5 * math.exp(-((distance / 1.8) ** 2))) / _DAY_NORMALISER


class DomainCurve:
    """The precomputed parameters of one domain's traffic; `rate_bps(minute)` is cheap."""

    __slots__ = (
        "name",
        "base_bps",
        "phase_hours",
        "noise_key",
        "event",
        "event_start_ts",
        "event_period",
        "peak_factor",
    )

    def __init__(self, domain: SimDomain, seed: str, anchor_ts: int, event_period_seconds: int) -> None:
        digest = hashlib.sha256(f"{seed}/{domain.name}".encode()).digest()
        self.name = domain.name
        # Derived bases are log-uniform between 30 Mbps and 1.5 Gbps: a few big domains, many small ones.
        base_mbps = domain.base_mbps or 30.0 * math.exp(_unit(digest, 0) * math.log(50.0))
        self.base_bps = base_mbps * 1e6
        self.phase_hours = _unit(digest, 1) * 1.5 - 0.75
        self.noise_key = int.from_bytes(digest[8:16], "big")
        if domain.event is not None:
            self.event = domain.event
        else:
            pick = _unit(digest, 2)
            self.event = EVENT_KICKOFF if pick < 0.3 else EVENT_DROP if pick < 0.45 else EVENT_NONE
        offset_minutes = domain.event_offset_minutes
        if offset_minutes is None:
            offset_minutes = -_unit(digest, 3) * event_period_seconds / 60.0
        self.event_start_ts = anchor_ts + int(offset_minutes * 60)
        self.event_period = max(event_period_seconds, _KICKOFF_END + 60)
        self.peak_factor = 2.5 + 1.5 * _unit(digest, 4)

    def event_factor(self, ts: int) -> float:
        if self.event == EVENT_NONE:
            return 1.0
        t = (ts - self.event_start_ts) % self.event_period
        if self.event == EVENT_KICKOFF:
            rise = self.peak_factor - 1.0
            if t < _KICKOFF_RAMP:
                return 1.0 + rise * t / _KICKOFF_RAMP
            if t < _KICKOFF_HOLD_END:
                return self.peak_factor
            if t < _KICKOFF_END:
                return self.peak_factor - rise * (t - _KICKOFF_HOLD_END) / (_KICKOFF_END - _KICKOFF_HOLD_END)
            return 1.0
        if t < _DROP_FALL:
            return 1.0 - (1.0 - _DROP_FLOOR) * t / _DROP_FALL
        if t < _DROP_RECOVER_START:
            return _DROP_FLOOR
        if t < _DROP_END:
            return _DROP_FLOOR + (1.0 - _DROP_FLOOR) * (t - _DROP_RECOVER_START) / (
                _DROP_END - _DROP_RECOVER_START
            )
        return 1.0

    def rate_bps(self, minute: int) -> float:
        """Average bit/s during the minute starting at `minute * 60` seconds since the epoch."""
        beijing_hour = ((minute + _BEIJING_OFFSET_MINUTES) % 1440) / 60.0 + self.phase_hours
        noise = (_mix64(self.noise_key ^ (minute * 0x9E3779B97F4A7C15)) >> 11) / float(1 << 53)  # [0, 1)
        return (
            self.base_bps
            * daily_shape(beijing_hour % 24.0)
            * self.event_factor(minute * 60)
            * (0.96 + 0.08 * noise)
        )


def total_rate(curves: Sequence[DomainCurve]) -> Callable[[int], float]:
    """The tenant total (Huawei v1 with no `domain`): the sum of every owned domain's rate."""
    return lambda minute: sum(curve.rate_bps(minute) for curve in curves)


def buckets(
    rate: Callable[[int], float], start_ts: int, end_ts: int, step_seconds: int, now_ts: float
) -> list[Bucket]:
    """Buckets aligned to multiples of `step_seconds` whose start is in [start_ts, end_ts) and that hold at
    least one minute completed by `now_ts` (only completed minutes count)."""
    first = -(-start_ts // step_seconds) * step_seconds
    done = int(now_ts // 60)  # minutes [.., done) are complete
    out: list[Bucket] = []
    for bucket_start in range(first, end_ts, step_seconds):
        last = min((bucket_start + step_seconds) // 60, done)  # minutes of this bucket completed: [.., last)
        if last <= bucket_start // 60:
            break
        peak = 0.0
        traffic_bits = 0.0
        for minute in range(bucket_start // 60, last):
            value = rate(minute)
            peak = max(peak, value)
            traffic_bits += value * 60.0
        out.append(Bucket(bucket_start, peak, traffic_bits / 8.0))
    return out
