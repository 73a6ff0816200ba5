"""Which buckets are settled: the one place alerts and `check` decide it, so it switches to the engine's settle
API in one edit.

A vendor keeps filling its newest buckets for a while (its data lag); a bucket is settled once its end lies
more than that lag in the past. Until then it is provisional and never judged: a half-filled bucket reads as
a drop.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

DEFAULT_LAG_SECONDS = 600  # livetop.vendors.base.Provider.default_data_lag_seconds


class SettleInfo(NamedTuple):
    limit: int  # epoch seconds: a bucket starting at or before this is settled
    bucket_seconds: int


SettleFn = Callable[[str, datetime], SettleInfo]  # (account name, now) -> SettleInfo


def settle_info(bucket_seconds: int, lag_seconds: int, now: datetime) -> SettleInfo:
    return SettleInfo(int(now.timestamp()) - lag_seconds - bucket_seconds, bucket_seconds)


def settle_for_config(config) -> SettleFn:
    """A SettleFn from each account's step and data lag (the vendor default when the config sets none)."""
    per_account = {
        a.name: (a.step_minutes * 60, DEFAULT_LAG_SECONDS if a.data_lag_seconds is None else a.data_lag_seconds)
        for a in config.accounts
    }

    def settle(account: str, now: datetime) -> SettleInfo:
        bucket, lag = per_account.get(account, (300, DEFAULT_LAG_SECONDS))
        return settle_info(bucket, lag, now)

    return settle


def settled_points(times, values, limit: int) -> tuple[list[int], list[float]]:
    """The settled part of a series (bucket starts <= limit)."""
    from bisect import bisect_right

    i = bisect_right(times, limit)
    return list(times[:i]), list(values[:i])
