"""The sqlite history: packed day rows, merging writes, two writers at once, a corrupt or foreign file set
aside, schema migration, retention purge on the injectable clock."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from livetop.clock import ManualClock
from livetop.history.codec import CodecError, append, decode, encode, encode_v1
from livetop.history.store import APPLICATION_ID, DAY, SCHEMA_V1, SCHEMA_VERSION, History

T0 = int(datetime(2026, 11, 20, tzinfo=timezone.utc).timestamp())


def _points(start: int, n: int, step: int = 300, base: float = 1e9) -> list[tuple[int, float]]:
    return [(start + i * step, base + i) for i in range(n)]


@pytest.mark.parametrize("step", [1, 60, 300, 3600])
def test_codec_round_trips_grids_with_gaps_and_big_numbers(step):
    rng = random.Random(step)
    for _ in range(200):
        slots = sorted(rng.sample(range(DAY // step), min(DAY // step, rng.randint(0, 300))))
        offsets = [s * step for s in slots]
        values = [rng.randint(-(10**15), 10**15) for _ in offsets]
        assert decode(encode(offsets, values)) == (offsets, values)


def test_append_adds_buckets_without_decoding_or_declines():
    rng = random.Random(7)
    offsets = list(range(0, 3000, 300))
    values = [rng.randint(0, 10**9) for _ in offsets]
    blob = encode(offsets[:4], values[:4])
    grown = append(blob, offsets[4:], values[4:])
    assert decode(grown) == (offsets, values) and grown == encode(offsets, values)
    gap = append(blob, [3000, 3300], [1, 2])  # after a gap: a new run
    assert decode(gap) == (offsets[:4] + [3000, 3300], values[:4] + [1, 2])
    assert append(blob, [600], [5]) is None  # not after the newest bucket
    assert append(blob, [1000], [5]) is None  # off the grid
    assert append(encode([0, 300], [0, 1]), [600], [10**15]) is None  # wider than the row's deltas
    assert append(encode([0], [1]), [300], [2]) is None  # one bucket has no grid yet


def test_codec_is_compact_and_refuses_damage():
    offsets = list(range(0, DAY, 300))
    rng = random.Random(1)
    values = [int(1e9 * (1 + rng.uniform(-0.1, 0.1))) for _ in offsets]
    blob = encode(offsets, values)
    assert len(blob) < 4.2 * 288  # zig-zag deltas of a noisy Gbps curve: ~4 bytes a bucket
    for bad in (blob[:-1], blob + b"\x00", b"\xff" * 12, b"\x05\x00", b"", b"\x02\x05\x00"):
        with pytest.raises(CodecError):
            decode(bad)


def test_write_read_and_merge_keep_every_bucket(tmp_path):
    clock = ManualClock(datetime.fromtimestamp(T0 + DAY, tz=timezone.utc))
    h = History(tmp_path / "h.sqlite", clock)
    assert h.usable and h.notices == []
    h.write([("huawei", "hw", "a.example.com", _points(T0 - 600, 4), _points(T0 - 600, 4, base=5e10))])
    # A later write of overlapping buckets replaces those buckets and keeps the others (across the day line).
    h.write([("huawei", "hw", "a.example.com", [(T0 + 300, 7.0), (T0 + 600, 8.0)], [])])
    bw, tr = h.read("hw", "a.example.com", T0 - DAY, T0 + DAY)
    assert bw == [(T0 - 600, 1000000000), (T0 - 300, 1000000001), (T0, 1000000002), (T0 + 300, 7), (T0 + 600, 8)]
    assert [t for t, _ in tr] == [T0 - 600, T0 - 300, T0, T0 + 300] and tr[0][1] == 50000000000
    assert h.read("hw", "a.example.com", T0, T0 + 301) == ([(T0, 1000000002), (T0 + 300, 7)], [(T0, 1000000002 - 1e9 + 5e10), (T0 + 300, 5e10 + 3)])
    assert h.read("hw", "nothing", 0, T0) == ([], [])
    h.close()
    again = History(tmp_path / "h.sqlite", clock)
    assert again.read("hw", "a.example.com", T0, T0 + 1)[0] == [(T0, 1000000002)]
    rows = list(again.rows(T0 - DAY, T0 + DAY))
    assert rows[0].bandwidth_bps == 1000000000 and rows[-1].traffic_bytes is None


WRITER = """
import sys
from datetime import datetime, timezone
from livetop.clock import ManualClock
from livetop.history.store import History
path, name, t0 = sys.argv[1], sys.argv[2], int(sys.argv[3])
h = History(path, ManualClock(datetime.fromtimestamp(t0, tz=timezone.utc)))
for i in range(150):
    # each writer: its own domain, and every other bucket of a domain both write
    h.write([("huawei", "hw", f"{name}.example.com", [(t0 + i * 300, i)], [(t0 + i * 300, i)]),
             ("huawei", "hw", "shared.example.com", [(t0 + (2 * i + (name == 'b')) * 300, 1)], [])])
assert h.usable and not [n for n in h.notices if "off" in n], h.notices
print("done")
"""


def test_two_writers_at_once_lose_nothing(tmp_path):
    path = tmp_path / "h.sqlite"
    History(path, ManualClock()).close()  # created once, like a TUI already running
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, str(T0)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0 and "done" in out, err
    h = History(path, ManualClock(datetime.fromtimestamp(T0, tz=timezone.utc)))
    for name in ("a", "b"):
        bw, tr = h.read("hw", f"{name}.example.com", T0, T0 + DAY)
        assert [v for _, v in bw] == list(range(150)) and len(tr) == 150
    # Both wrote the same day rows of one domain, interleaved: every bucket of both is there.
    shared, _ = h.read("hw", "shared.example.com", T0, T0 + 2 * DAY)
    assert [t for t, _ in shared] == [T0 + k * 300 for k in range(300)]


def test_a_corrupt_file_is_set_aside_and_new_data_kept(tmp_path):
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"this is not a database, just some junk " * 200)
    clock = ManualClock()
    h = History(path, clock)
    assert h.usable
    assert len(h.notices) == 1 and "moved to h.sqlite.bad-20261120T120000Z" in h.notices[0]
    assert (tmp_path / "h.sqlite.bad-20261120T120000Z").read_bytes().startswith(b"this is not")
    h.write([("huawei", "hw", "a.example.com", [(T0, 5.0)], [])])
    assert h.read("hw", "a.example.com", T0, T0 + 1)[0] == [(T0, 5)]


def test_a_file_damaged_while_open_is_set_aside_and_the_write_still_lands(tmp_path):
    path = tmp_path / "h.sqlite"
    clock = ManualClock()
    h = History(path, clock)
    h.write([("huawei", "hw", "a.example.com", _points(T0, 200), [])])
    h.close()
    data = bytearray(path.read_bytes())
    for i in range(100, len(data), 7):  # scribble over the pages, keep the header
        data[i] = 0xA5
    path.write_bytes(bytes(data))
    h = History(path, clock)
    h.write([("huawei", "hw", "a.example.com", [(T0 + DAY, 9.0)], [])])
    assert h.usable and any("moved to" in n for n in h.notices), h.notices
    assert h.read("hw", "a.example.com", T0 + DAY, T0 + DAY + 1)[0] == [(T0 + DAY, 9)]


def test_a_foreign_database_is_not_touched_in_place(tmp_path):
    path = tmp_path / "h.sqlite"
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE recipes (name TEXT)")
    other.execute("INSERT INTO recipes VALUES ('soup')")
    other.commit()
    other.close()
    h = History(path, ManualClock())
    assert h.usable and "not a livetop history file" in h.notices[0]
    aside = next(tmp_path.glob("h.sqlite.bad-*"))
    assert sqlite3.connect(aside).execute("SELECT name FROM recipes").fetchall() == [("soup",)]


def test_a_v1_file_is_migrated_with_its_data(tmp_path):
    """v1 -> v2 adds the alert log; v2 -> v3 re-encodes every row in the fixed-width codec."""
    path = tmp_path / "h.sqlite"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    db.execute("PRAGMA user_version=1")
    db.execute("INSERT INTO series VALUES (1, 'huawei', 'hw', 'a.example.com')")
    db.execute("INSERT INTO points VALUES (1, ?, ?, ?, 0)",
               (T0 // DAY, encode_v1([0, 300, 900], [42, 40, 10**12]), encode_v1([], [])))
    db.commit()
    db.close()
    h = History(path, ManualClock(datetime.fromtimestamp(T0, tz=timezone.utc)))
    assert h.notices == []
    assert h.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert h.read("hw", "a.example.com", T0, T0 + DAY)[0] == [(T0, 42), (T0 + 300, 40), (T0 + 900, 10**12)]
    assert h.db.execute("SELECT bw FROM points").fetchone()[0][0] == 2  # codec format 2 now
    h.record_alert(datetime.fromtimestamp(T0, tz=timezone.utc), "Low", "critical", "firing", "hw", "a", "1", "x")
    assert h.db.execute("SELECT alert, state FROM alert_events").fetchall() == [("Low", "firing")]


def test_a_newer_schema_is_read_only(tmp_path):
    path = tmp_path / "h.sqlite"
    h = History(path, ManualClock())
    h.write([("huawei", "hw", "a.example.com", [(T0, 1.0)], [])])
    h.db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    h.close()
    h = History(path, ManualClock())
    assert h.read_only and "newer than this livetop" in h.notices[0]
    assert h.write([("huawei", "hw", "a.example.com", [(T0 + 300, 2.0)], [])]) == 0
    assert h.read("hw", "a.example.com", T0, T0 + DAY)[0] == [(T0, 1)]


def test_retention_purges_old_days_on_its_own(tmp_path):
    clock = ManualClock(datetime.fromtimestamp(T0, tz=timezone.utc))
    h = History(tmp_path / "h.sqlite", clock, retention_seconds=3 * DAY)
    h.write([("huawei", "hw", "a.example.com", [(T0 - d * DAY, d) for d in range(6)], [])])
    assert len(h.read("hw", "a.example.com", T0 - 10 * DAY, T0 + DAY)[0]) == 4  # purged at once: days -3..0 stay
    clock.advance(2 * DAY)  # two days on: the next write (an hour after the last purge) purges again
    h.write([("huawei", "hw", "a.example.com", [(T0 + 2 * DAY, 9)], [])])
    kept = [t for t, _ in h.read("hw", "a.example.com", T0 - 10 * DAY, T0 + 3 * DAY)[0]]
    assert kept == [T0 - DAY, T0, T0 + 2 * DAY]


def test_an_unwritable_place_turns_history_off_with_a_notice(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    h = History(blocker / "sub" / "h.sqlite", ManualClock())
    assert not h.usable and h.notices and h.notices[0].startswith("history off:")
    assert h.write([("huawei", "hw", "a", [(T0, 1)], [])]) == 0 and h.read("hw", "a", 0, T0 + 1) == ([], [])


def test_hostile_values_are_stored_clamped_and_nan_skipped(tmp_path):
    h = History(tmp_path / "h.sqlite", ManualClock(datetime.fromtimestamp(T0, tz=timezone.utc)))
    h.write([("jdcloud", "jd", "x", [(T0, 1e30), (T0 + 300, -1e30), (T0 + 600, float("nan")), (T0 + 900, 5.0)], [])])
    assert h.read("jd", "x", T0, T0 + DAY)[0] == [(T0, 2**62), (T0 + 300, -(2**62)), (T0 + 900, 5)]
