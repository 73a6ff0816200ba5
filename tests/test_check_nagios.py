"""The Monitoring Plugins API pieces of `livetop check`: ranges, perfdata, output layout."""

from __future__ import annotations

import math
import re

import pytest

from livetop.check.nagios import CRITICAL, OK, UNKNOWN, WARNING, Perf, Range, RangeError, plain, render, worst


@pytest.mark.parametrize(
    "text, alert_at, quiet_at",
    [
        ("10", [-1, 10.5, 11], [0, 5, 10]),  # 0..10
        ("10:", [9.99, -5], [10, 11, 1e12]),  # at least 10
        ("~:10", [10.01, 100], [-1e9, 0, 10]),  # at most 10
        ("10:20", [9, 21], [10, 15, 20]),
        ("@10:20", [10, 15, 20], [9.9, 20.1]),  # alert inside
        ("70:", [69, 38], [70, 100, 250]),  # Wikimedia's drop warning
        ("-5:5", [-6, 6], [-5, 0, 5]),
        ("@~:0", [-1, 0], [0.1]),
    ],
)
def test_ranges_follow_the_guidelines(text, alert_at, quiet_at):
    r = Range.parse(text)
    assert all(r.alerts(v) for v in alert_at)
    assert not any(r.alerts(v) for v in quiet_at)
    assert str(r) == text


@pytest.mark.parametrize("text", ["", "abc", "10:5", "1e3", "10::20", "@", ":", "~", "5%", "10:20:30"])
def test_bad_ranges_are_refused_with_the_format(text):
    with pytest.raises(RangeError) as info:
        Range.parse(text)
    problem, fix = info.value.args
    assert repr(text) in problem and "10: (at least 10)" in fix


def test_worst_state_is_critical_then_warning_then_unknown():
    assert worst(OK, UNKNOWN) == UNKNOWN
    assert worst(UNKNOWN, WARNING) == WARNING
    assert worst(WARNING, CRITICAL, UNKNOWN) == CRITICAL
    assert worst() == OK


@pytest.mark.parametrize(
    "value", [0.0, -0.0, 1e-9, 1e-4, 0.1, 1.0005, 12345.678, 4.1e8, 1e15, 2.5e17, -3.3e12, 123456789.987654, 7]
)
def test_plain_never_writes_an_exponent(value):
    text = plain(value)
    assert re.fullmatch(r"-?\d+(\.\d+)?", text), text
    assert math.isclose(float(text), round(value, 3), rel_tol=1e-9, abs_tol=1e-3)


def test_perfdata_format():
    assert plain(410000000.0) == "410000000"
    assert plain(1e-7) == "0" and plain(2.5e20) == "250000000000000000000"
    assert str(Perf("play.a.com bw", 4.1e8, minimum=0)) == "'play.a.com bw'=410000000;;;0"
    assert str(Perf("pct", 38.0, "%", Range.parse("70:"), Range.parse("60:"), 0)) == "'pct'=38%;70:;60:;0"
    assert str(Perf("it's", None)) == "'it''s'=U"
    assert str(Perf("a=b", 3, "B")) == "'a_b'=3B"


def test_render_puts_later_perfdata_after_a_pipe_and_a_space():
    out = render(CRITICAL, "x down", [Perf("failing", 1)], ["CRITICAL x"], [Perf("x bw", 0)])
    lines = out.splitlines()
    assert lines[0] == "LIVETOP CRITICAL - x down | 'failing'=1"
    assert lines[1] == "CRITICAL x"
    assert lines[2] == "| 'x bw'=0"
