"""Which buckets are settled, for alerts, `check` and the history: the store's word (DomainSnapshot
.settled_before, from each account's settle delay) wherever a domain snapshot is at hand, and the same rule
from the config otherwise.

A vendor keeps filling its newest buckets for a while (its settle delay); until then a bucket is provisional
and never judged or recorded: a half-filled bucket reads as a drop.
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
    """The store's rule: settled when the start is before floor(now - settle delay, bucket)."""
    t = int(now.timestamp()) - lag_seconds
    return SettleInfo(t - t % max(1, bucket_seconds) - 1, bucket_seconds)


def settled_limit(domain, settle: SettleFn, now: datetime) -> SettleInfo:
    """For one DomainSnapshot: the store's settled edge when it has one, else `settle`'s."""
    info = settle(domain.key.account, now)
    edge = getattr(domain, "settled_before", None)
    if edge is not None:
        return SettleInfo(int(edge.timestamp()) - 1, info.bucket_seconds)
    return info


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
