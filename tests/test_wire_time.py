"""model.parse_iso_utc reads `yyyy-MM-ddTHH:mm:ssZ` labels without strptime (bench/README.md, issue 13): it
must accept and refuse exactly what `datetime.strptime(text, ISO_UTC_FORMAT)` does."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from livetop.model import ISO_UTC_FORMAT, parse_iso_utc


def _strptime(text: str):
    try:
        return datetime.strptime(text, ISO_UTC_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return "ValueError"


def _ours(text: str):
    try:
        return parse_iso_utc(text)
    except ValueError:
        return "ValueError"


def _two(lo: int = 0, hi: int = 99):
    return st.integers(lo, hi).map(lambda n: f"{n:02d}")


# Fields over their whole two-digit range (and years 0000-9999): month 13, day 31 in February, hour 24,
# minute 60, second 60 and 61 (which strptime's pattern takes and datetime then refuses) all come up.
LABELS = st.builds(
    lambda y, mo, d, h, mi, s: f"{y}-{mo}-{d}T{h}:{mi}:{s}Z",
    st.one_of(st.integers(0, 9999).map(lambda n: f"{n:04d}"), st.sampled_from(["1970", "2026", "2028"])),
    st.one_of(_two(), _two(1, 12)),
    st.one_of(_two(), _two(1, 31)),
    st.one_of(_two(), _two(0, 25)),
    st.one_of(_two(), _two(0, 61)),
    st.one_of(_two(), _two(0, 62)),
)


@given(LABELS)
def test_the_plain_form_reads_as_strptime_reads_it(text):
    assert _ours(text) == _strptime(text)


@given(st.text(alphabet="0123456789-T:Z ٢٠١٦９", min_size=0, max_size=24))
def test_any_other_text_reads_as_strptime_reads_it(text):
    # Non-ASCII digits, short fields, stray spaces: all go through strptime itself.
    assert _ours(text) == _strptime(text)


def test_edges():
    assert parse_iso_utc("2028-02-29T23:59:59Z") == datetime(2028, 2, 29, 23, 59, 59, tzinfo=timezone.utc)
    for bad in ("2026-02-29T00:00:00Z", "0000-01-01T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z"):
        assert _ours(bad) == _strptime(bad) == "ValueError", bad
    assert parse_iso_utc("0001-01-01T00:00:00Z") == datetime(1, 1, 1, tzinfo=timezone.utc)
