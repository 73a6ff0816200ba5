"""The history file: stdlib sqlite3 in WAL mode, one packed row per (series, UTC day), shared by several
livetop processes (a TUI and a `serve`) on one machine.

- Writes merge: a day row is read, merged with the new buckets and written back inside one IMMEDIATE
  transaction, so two writers never drop each other's buckets; readers never block (WAL).
- `PRAGMA application_id` marks the file as livetop's and `user_version` is its schema version; older schemas are
  migrated in place (MIGRATIONS), a newer one is left alone (opened read-only, nothing written).
- A corrupt or foreign file is renamed aside (`history.sqlite.bad-<UTC time>`) and a fresh one started; the
  reason is kept in `notices` for the screen. Nothing here raises into the caller: a history that cannot be
  written costs the history, never the live view.
- Retention: day rows older than `retention_seconds` are deleted on open and then hourly, by the injectable
  clock, with an incremental vacuum to hand the pages back.
"""

from __future__ import annotations

import math
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from livetop.history.codec import CodecError, append, decode, decode_v1, encode

APPLICATION_ID = 0x4C565450  # "LVTP"
SCHEMA_VERSION = 3
DAY = 86400
BUSY_TIMEOUT_MS = 5000
PURGE_EVERY_SECONDS = 3600
LIMIT = 2**62  # values are kept within this, so two buckets always differ by less than 64 bits

SCHEMA_V1 = """
CREATE TABLE series (
    series_id INTEGER PRIMARY KEY,
    vendor TEXT NOT NULL,
    account TEXT NOT NULL,
    domain TEXT NOT NULL,
    UNIQUE (account, domain)
);
CREATE TABLE points (
    series_id INTEGER NOT NULL REFERENCES series(series_id),
    day INTEGER NOT NULL,          -- UTC day: epoch seconds // 86400
    bw BLOB NOT NULL,              -- bandwidth, bit/s (codec.encode)
    traffic BLOB NOT NULL,         -- bytes per bucket
    updated INTEGER NOT NULL,      -- epoch seconds of the last write
    PRIMARY KEY (series_id, day)
) WITHOUT ROWID;
CREATE INDEX points_day ON points(day);
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """v2 keeps alert transitions, so the alert history survives a restart like the buckets do."""
    db.execute(
        """CREATE TABLE alert_events (
            at INTEGER NOT NULL, alert TEXT NOT NULL, level TEXT NOT NULL, state TEXT NOT NULL,
            account TEXT NOT NULL, domain TEXT NOT NULL, value TEXT NOT NULL, text TEXT NOT NULL
        )"""
    )
    db.execute("CREATE INDEX alert_events_at ON alert_events(at)")


def _migrate_2_to_3(db: sqlite3.Connection) -> None:
    """v3 packs values as fixed-width deltas (codec format 2), which decode in C: rows are re-encoded."""
    rows = db.execute("SELECT series_id, day, bw, traffic FROM points").fetchall()
    for sid, day, bw, traffic in rows:
        try:
            new = [encode(*decode_v1(blob)) for blob in (bw, traffic)]
        except CodecError:
            db.execute("DELETE FROM points WHERE series_id = ? AND day = ?", (sid, day))
            continue
        db.execute("UPDATE points SET bw = ?, traffic = ? WHERE series_id = ? AND day = ?", (*new, sid, day))


MIGRATIONS = {1: _migrate_1_to_2, 2: _migrate_2_to_3}  # from version -> the step to the next


@dataclass(frozen=True, slots=True)
class Row:
    """One settled bucket of one domain, as `export` prints it."""

    vendor: str
    account: str
    domain: str
    bucket_start: int  # epoch seconds UTC
    bandwidth_bps: int | None
    traffic_bytes: int | None


class HistoryError(Exception):
    pass


def _merge(old: tuple[list[int], list[int]], new: dict[int, int]) -> tuple[list[int], list[int]]:
    offsets, values = old
    keys = sorted(new)
    if not keys:
        return offsets, values
    if not offsets or keys[0] > offsets[-1]:  # the usual case: new buckets after the row's newest
        return offsets + keys, values + [new[k] for k in keys]
    merged = dict(zip(offsets, values))
    merged.update(new)
    keys = sorted(merged)
    return keys, [merged[k] for k in keys]


def _pack(blob: bytes | None, new: dict[int, int]) -> bytes:
    """The row's blob with `new` buckets merged in: appended without decoding when they all come after its
    newest bucket (the steady state), else decoded, merged and encoded."""
    if blob is not None and not new:
        return blob  # nothing for this metric (a revision of the other one): the row as it is
    if blob is not None:
        keys = sorted(new)
        appended = append(blob, keys, [new[k] for k in keys])
        if appended is not None:
            return appended
    old: tuple[list[int], list[int]] = ([], [])
    if blob is not None:
        try:
            old = decode(blob)
        except CodecError:
            pass  # a damaged row is replaced by what we know now
    return encode(*_merge(old, new))


class History:
    """One open history file. Thread-safe (one lock): the engine flushes from a worker thread."""

    def __init__(self, path: Path, clock, retention_seconds: int = 90 * DAY) -> None:
        self.path = Path(path)
        self.clock = clock
        self.retention_seconds = retention_seconds
        self.notices: list[str] = []
        self.read_only = False
        self.db: sqlite3.Connection | None = None
        self._lock = threading.RLock()
        self._series: dict[tuple[str, str], int] = {}
        self._last_purge = float("-inf")
        self._open()

    # --- opening, checking, setting aside -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                             check_same_thread=False)
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return db

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            self._give_up(f"cannot create {self.path.parent}: {exc.strerror or exc}")
            return
        for attempt in range(2):
            try:
                self.db = self._connect()
                self._prepare()
                break
            except (sqlite3.DatabaseError, HistoryError) as exc:
                if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                    self._give_up(f"{self.path} is locked by another process for too long")
                    return
                if attempt == 1 or not self._set_aside(str(exc)):
                    self._give_up(f"{self.path}: {exc}")
                    return
        self.purge()

    def _prepare(self) -> None:
        db = self.db
        assert db is not None
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables and app_id == 0:
            self._create()
            return
        if app_id != APPLICATION_ID:
            raise HistoryError("not a livetop history file (another program's database)")
        # No integrity scan here: on a 200 MB file it would cost seconds at every start. Damage shows as a
        # DatabaseError on the first read or write, which sets the file aside then (`write`).
        if version > SCHEMA_VERSION:
            # A newer livetop wrote it: reading what we understand is fine, writing could damage it.
            self.read_only = True
            self.notices.append(
                f"history {self.path} has schema {version}, newer than this livetop ({SCHEMA_VERSION}): "
                "read-only; upgrade livetop to keep recording"
            )
            return
        self._migrate(version)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")

    def _create(self) -> None:
        db = self.db
        assert db is not None
        try:
            os.chmod(self.path, 0o600)  # the business's traffic figures: its owner's to read
        except OSError:
            pass
        # Before the first table, both fixed for the file's life: 16 KB pages hold six ~2.5 KB day rows where
        # 4 KB pages would push each into overflow pages (twice the size on disk).
        db.execute("PRAGMA page_size=16384")
        db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it between our look and our lock.
            if db.execute("PRAGMA application_id").fetchone()[0] == 0:
                for statement in filter(str.strip, SCHEMA_V1.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA application_id={APPLICATION_ID}")
                db.execute("PRAGMA user_version=1")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._migrate(db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self, version: int) -> None:
        db = self.db
        assert db is not None
        while version < SCHEMA_VERSION:
            db.execute("BEGIN IMMEDIATE")
            try:
                current = db.execute("PRAGMA user_version").fetchone()[0]
                if current == version:  # nobody migrated it meanwhile
                    MIGRATIONS[version](db)
                    db.execute(f"PRAGMA user_version={version + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            version = db.execute("PRAGMA user_version").fetchone()[0]

    def _set_aside(self, why: str) -> bool:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            self.db = None
        stamp = self.clock.now().astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        aside = self.path.with_name(f"{self.path.name}.bad-{stamp}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = Path(str(self.path) + suffix)
                if side.exists():
                    os.replace(side, Path(str(aside) + suffix))
        except OSError as exc:
            self.notices.append(f"history {self.path} is unusable ({why}) and cannot be moved aside: {exc}")
            return False
        self.notices.append(f"history {self.path} was unusable ({why}); moved to {aside.name}, starting afresh")
        self._series.clear()
        return True

    def _give_up(self, why: str) -> None:
        self.notices.append(f"history off: {why}")
        self.read_only = True
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
        self.db = None

    @property
    def usable(self) -> bool:
        return self.db is not None

    def close(self) -> None:
        with self._lock:
            if self.db is not None:
                try:
                    self.db.close()
                finally:
                    self.db = None

    # --- writing ---------------------------------------------------------------------------------------------

    def _series_id(self, vendor: str, account: str, domain: str, create: bool) -> int | None:
        key = (account, domain)
        sid = self._series.get(key)
        if sid is not None:
            return sid
        db = self.db
        if not self._series:
            # The first lookup reads every series id at once: a start-up reading a thousand domains' windows
            # then costs one query here, not a thousand (a series made later by another process is still
            # found by the query below).
            known = db.execute("SELECT series_id, account, domain FROM series")
            self._series.update(((account, domain), sid) for sid, account, domain in known)
            sid = self._series.get(key)
            if sid is not None:
                return sid
        row = db.execute("SELECT series_id FROM series WHERE account = ? AND domain = ?", key).fetchone()
        if row is None:
            if not create:
                return None
            sid = db.execute("INSERT INTO series (vendor, account, domain) VALUES (?, ?, ?)",
                             (vendor, account, domain)).lastrowid
        else:
            sid = row[0]
        self._series[key] = sid
        return sid

    def write(self, batch: Iterable[tuple[str, str, str, Iterable[tuple[int, float]], Iterable[tuple[int, float]]]]) -> int:
        """Merge settled buckets in, one transaction for the whole batch of
        (vendor, account, domain, bandwidth points, traffic points). Returns the day rows written."""
        with self._lock:
            if self.db is None or self.read_only:
                return 0
            try:
                return self._write(list(batch))
            except sqlite3.DatabaseError as exc:
                if isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)):
                    self.notices.append(f"history busy (another livetop holds it): {exc}; will retry")
                    return 0
                # Damaged under our feet: set it aside and keep recording into a fresh file.
                if self._set_aside(str(exc)):
                    self._open()
                    if self.db is not None and not self.read_only:
                        try:
                            return self._write(list(batch))
                        except sqlite3.DatabaseError as again:
                            self._give_up(str(again))
                return 0

    def _write(self, batch) -> int:
        db = self.db
        now = int(self.clock.now().timestamp())
        per_day: dict[tuple[int, int], tuple[dict[int, int], dict[int, int]]] = {}
        oldest_day = (now - self.retention_seconds) // DAY  # what the purge would delete is not written
        db.execute("BEGIN IMMEDIATE")
        try:
            for vendor, account, domain, bw, traffic in batch:
                sid = self._series_id(vendor, account, domain, create=True)
                for which, points in ((0, bw), (1, traffic)):
                    for ts, value in points:
                        if ts // DAY < oldest_day or not math.isfinite(value):
                            continue  # NaN/inf never were a bucket's figure
                        value = max(-LIMIT, min(LIMIT, value))  # a hostile huge number stays storable
                        slot = per_day.setdefault((sid, ts // DAY), ({}, {}))
                        slot[which][ts % DAY] = int(round(value))
            # One SELECT per day for every series written to it, one executemany for the rows: a poll cycle of a
            # thousand domains is a handful of statements, not two thousand.
            by_day: dict[int, list[int]] = {}
            for sid, day in per_day:
                by_day.setdefault(day, []).append(sid)
            existing: dict[tuple[int, int], tuple[bytes, bytes]] = {}
            for day, sids in by_day.items():
                for i in range(0, len(sids), 500):
                    chunk = sids[i : i + 500]
                    marks = ",".join("?" * len(chunk))
                    for sid, bw_blob, tr_blob in db.execute(
                        f"SELECT series_id, bw, traffic FROM points WHERE day = ? AND series_id IN ({marks})",
                        (day, *chunk),
                    ):
                        existing[(sid, day)] = (bw_blob, tr_blob)
            rows = []
            for slot, (bw_new, tr_new) in per_day.items():
                old = existing.get(slot)
                rows.append((*slot, _pack(old[0] if old else None, bw_new), _pack(old[1] if old else None, tr_new),
                             now))
            db.executemany(
                "INSERT OR REPLACE INTO points (series_id, day, bw, traffic, updated) VALUES (?, ?, ?, ?, ?)", rows
            )
            db.execute("COMMIT")
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._series.clear()  # ids made in the rolled-back transaction are gone
            raise
        if now - self._last_purge >= PURGE_EVERY_SECONDS:
            self.purge()
        return len(per_day)

    def record_alert(self, at: datetime, alert: str, level: str, state: str, account: str, domain: str,
                     value: str, text: str) -> None:
        with self._lock:
            if self.db is None or self.read_only:
                return
            try:
                self.db.execute("INSERT INTO alert_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (int(at.timestamp()), alert, level, state, account, domain, value, text))
            except sqlite3.Error as exc:
                self.notices.append(f"history: alert not recorded: {exc}")

    def purge(self) -> int:
        """Delete day rows entirely older than the retention; returns how many went."""
        with self._lock:
            if self.db is None or self.read_only:
                return 0
            now = int(self.clock.now().timestamp())
            self._last_purge = now
            oldest_day = (now - self.retention_seconds) // DAY
            try:
                gone = self.db.execute("DELETE FROM points WHERE day < ?", (oldest_day,)).rowcount
                self.db.execute("DELETE FROM alert_events WHERE at < ?", (now - self.retention_seconds,))
                if gone:
                    self.db.execute("PRAGMA incremental_vacuum")
                return gone
            except sqlite3.Error as exc:
                self.notices.append(f"history: purge failed: {exc}")
                return 0

    # --- reading ---------------------------------------------------------------------------------------------

    def read(self, account: str, domain: str, start: int, end: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """Bandwidth and traffic points of one domain with bucket starts in [start, end)."""
        (bt, bv), (tt, tv) = self.read_arrays(account, domain, start, end)
        return list(zip(bt, bv)), list(zip(tt, tv))

    def read_arrays(self, account: str, domain: str, start: int, end: int):
        """As `read`, as ((times, values), (times, values)) lists: the start-up path, kept in C loops."""
        empty = (([], []), ([], []))
        with self._lock:
            if self.db is None:
                return empty
            try:
                sid = self._series_id("", account, domain, create=False)
                if sid is None:
                    return empty
                rows = self.db.execute(
                    "SELECT day, bw, traffic FROM points WHERE series_id = ? AND day BETWEEN ? AND ? ORDER BY day",
                    (sid, start // DAY, (end - 1) // DAY),
                ).fetchall()
            except sqlite3.Error as exc:
                self.notices.append(f"history: read failed: {exc}")
                return empty
        out = (([], []), ([], []))
        for day, *blobs in rows:
            base = day * DAY
            lo, hi = start - base, end - base
            for blob, (times, values) in zip(blobs, out):
                try:
                    # Only the part of the row in the window is decoded (a 24 h window: a day row's tail and
                    # the next one's head).
                    offsets, vals = decode(blob, lo if lo > 0 else None, hi if hi < DAY else None)
                except CodecError:
                    continue
                times.extend(map(base.__add__, offsets))
                values.extend(vals)
        return out

    def series(self) -> list[tuple[str, str, str]]:
        with self._lock:
            if self.db is None:
                return []
            return self.db.execute("SELECT vendor, account, domain FROM series ORDER BY account, domain").fetchall()

    def rows(self, start: int, end: int, keep=lambda account, domain: True) -> Iterator[Row]:
        """Every settled bucket in [start, end), domain by domain, oldest first (for `export`)."""
        for vendor, account, domain in self.series():
            if not keep(account, domain):
                continue
            bw, tr = self.read(account, domain, start, end)
            merged: dict[int, list] = {}
            for ts, v in bw:
                merged.setdefault(ts, [None, None])[0] = v
            for ts, v in tr:
                merged.setdefault(ts, [None, None])[1] = v
            for ts in sorted(merged):
                yield Row(vendor, account, domain, ts, merged[ts][0], merged[ts][1])
