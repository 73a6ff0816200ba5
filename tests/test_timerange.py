"""The look-back clamp every vendor's time rules share (livetop/vendors/timerange.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from livetop.model import VendorError
from livetop.vendors.catalog import client_error
from livetop.vendors.timerange import clamp_start

LIMIT = datetime(2026, 8, 22, 12, 3, 7, tzinfo=timezone.utc)


def _too_old(end: datetime, clamped: datetime) -> VendorError:
    return VendorError(client_error("huawei", "LIVETOP.TIME.TOO_OLD", "too old", f"{end} {clamped}", "a"))


def test_a_start_within_the_look_back_is_left_alone():
    notices: list[str] = []
    assert clamp_start(LIMIT, LIMIT + timedelta(hours=1), LIMIT, 300, "kept", notices, _too_old) == LIMIT
    assert notices == []


@pytest.mark.parametrize(
    "grace, clamped",
    [
        (timedelta(0), datetime(2026, 8, 22, 12, 5, tzinfo=timezone.utc)),
        (timedelta(minutes=5), datetime(2026, 8, 22, 12, 10, tzinfo=timezone.utc)),
    ],
)
def test_an_older_start_moves_to_the_first_bucket_from_the_limit_plus_grace_with_a_notice(grace, clamped):
    notices = ["earlier"]
    start = clamp_start(
        LIMIT - timedelta(days=3),
        LIMIT + timedelta(days=1),
        LIMIT,
        300,
        "kept 90 days",
        notices,
        _too_old,
        grace,
    )
    assert start == clamped
    assert notices == ["earlier", f"start clamped to {clamped:%Y-%m-%dT%H:%M:%SZ}: kept 90 days"]


def test_a_range_wholly_before_the_first_kept_bucket_is_the_vendors_error():
    notices: list[str] = []
    with pytest.raises(VendorError) as caught:
        clamp_start(
            LIMIT - timedelta(days=3), LIMIT + timedelta(minutes=1), LIMIT, 300, "x", notices, _too_old
        )
    assert caught.value.error.meaning == "2026-08-22 12:04:07+00:00 2026-08-22 12:05:00+00:00"
    assert notices == []
