"""The overview's pure half: the text of each row as a few styled runs (which rows, in which order, is
`overview_rows`).

No Textual here: rows of an immutable StoreSnapshot are rendered to `(text, role)` runs; the widget maps roles
to theme styles. Adjacent cells of one role are merged so a line costs a handful of style changes.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len, set_cell_size

from livetop.engine.store import (
    STATUS_ERROR,
    STATUS_LOADING,
    STATUS_OK,
    STATUS_PAUSED,
    STATUS_STALE,
    DomainKey,
    DomainSnapshot,
    TotalSnapshot,
)
from livetop.model import format_bps, format_bytes, format_duration, format_window
from livetop.ui.columns import GAP, Column
from livetop.ui.error_groups import error_note
from livetop.ui.sorts import SORTS  # noqa: F401 - the modes SORT_KEYS implements, for importers of this module
from livetop.ui.sparkline import window_sparkline
from livetop.ui.widgets.overview_rows import (  # noqa: F401 - where the rows are built; importers find them here too
    SORT_KEYS,
    STATUS_RANK,
    Row,
    build_rows,
    matches,
)
from livetop.vendors.registry import vendor_mark

MARKS = {STATUS_OK: "●", STATUS_STALE: "◐", STATUS_ERROR: "✖", STATUS_PAUSED: "‖", STATUS_LOADING: "·"}
ASCII_MARKS = {STATUS_OK: "o", STATUS_STALE: "?", STATUS_ERROR: "!", STATUS_PAUSED: "|", STATUS_LOADING: "."}
TOTAL_MARK, ASCII_TOTAL_MARK = "Σ", "="
# A domain with a firing alert: the flag replaces its status mark (the figures' style and the error column
# still say stale or failing), in the alert's level colour.
ALERT_MARK, ASCII_ALERT_MARK = "⚑", "*"
ALERT_ROLE = {"warning": "alert", "critical": "critical"}
# Role of the status mark; "body" means the row's plain text style.
MARK_ROLE = {
    STATUS_OK: "ok",
    STATUS_STALE: "stale",
    STATUS_ERROR: "error",
    STATUS_PAUSED: "dim",
    STATUS_LOADING: "dim",
}
# Figures of a row that is not fresh are shown dimmed: they are old or not there yet.
BODY_ROLE = {
    STATUS_OK: "body",
    STATUS_ERROR: "body",
    STATUS_STALE: "dim",
    STATUS_PAUSED: "dim",
    STATUS_LOADING: "dim",
}

Run = tuple[str, str]  # (text, role)
FILLING_TEXT = "filling…"  # a row whose data covers only part of the window (a zoom's backfill is on its way)


AGE_STEP_SECONDS = 15


def age_text(now: datetime | None, updated_at: datetime | None) -> str:
    """Age of the data. Under a minute it moves in 15 s steps: at the default 15 s refresh a row that is on
    time reads "0s" throughout and only a late one moves (15s, 30s, 45s: one poll late, two...), which is what
    the column is for; nobody acts on 12 s against 13 s, and each step is a write to every visible row. Then
    whole minutes, hours, days as format_duration gives them."""
    if updated_at is None or now is None:
        return "-"
    seconds = max(0, int((now - updated_at).total_seconds()))
    if seconds < 60:
        seconds -= seconds % AGE_STEP_SECONDS
    return format_duration(seconds)


def format_change(ratio: float | None) -> str:
    """A change ratio as the Δ column shows it: "-92%", "+15%", "0%"; beyond +999 % ">999%"; "-" for none."""
    if ratio is None:
        return "-"
    percent = round(ratio * 100)
    if percent > 999:
        return ">999%"
    return f"{percent:+d}%" if percent else "0%"


def cut_middle(text: str, width: int, ascii_mode: bool = False) -> str:
    """`text` in at most `width` cells, cut in the middle: hostnames differ at their start and their end
    ("play.a…example.com"), so both are kept, the end a little more."""
    if cell_len(text) <= width or width < 3:
        return text
    mark = "~" if ascii_mode else "…"
    head_cells = (width - 1) // 3
    tail_cells = width - 1 - head_cells
    head = set_cell_size(text, head_cells).rstrip()
    tail, used = "", 0
    for ch in reversed(text):
        if used + cell_len(ch) > tail_cells:
            break
        tail, used = ch + tail, used + cell_len(ch)
    return head + mark + tail


def fit(text: str, width: int, align: str = "left", ascii_mode: bool = False) -> str:
    """Exactly `width` cells: padded, or cut with an ellipsis (wide characters counted as two cells)."""
    if width <= 0:
        return ""
    if not text.isprintable():  # a newline or escape in a label or vendor message must not break the line
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    length = cell_len(text)
    if length > width:
        return set_cell_size(text, width - 1) + ("~" if ascii_mode else "…")
    pad = " " * (width - length)
    return pad + text if align == "right" else text + pad


def _merge(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for text, role in runs:
        if merged and merged[-1][1] == role:
            merged[-1] = (merged[-1][0] + text, role)
        elif text:
            merged.append((text, role))
    return merged


def _assemble(
    cells: dict[str, Run],
    columns: list[Column],
    body: str,
    width: int,
    ascii_mode: bool,
    parts: dict[str, list[Run]] | None = None,
) -> list[Run]:
    parts = parts or {}
    runs: list[Run] = []
    used = 0
    for i, col in enumerate(columns):
        if i:
            runs.append((" " * GAP, body))
            used += GAP
        if col.name in parts:  # a cell drawn as several runs, exactly its width (the sparkline)
            runs.extend(parts[col.name])
            used += col.width
            continue
        text, role = cells.get(col.name, ("", body))
        if not text.strip():  # blank cells take the row style so they merge into its run
            role = body
        runs.append((fit(text, col.width, col.align, ascii_mode), role))
        used += col.width
    if used < width:
        runs.append((" " * (width - used), body))
    return _merge(runs)


def spark_window(now_ts: float, window_seconds: int, bucket_seconds: int) -> tuple[int, int]:
    """The time a sparkline spans: the window, ending with the bucket under way. It moves once a bucket (not
    every second), so a row is redrawn when its data changes or a bucket begins, not in between."""
    bucket = max(1, bucket_seconds)
    end = int(now_ts) - int(now_ts) % bucket + bucket
    return end - window_seconds, end


def _bucket_of(times) -> int:
    return min((b - a for a, b in zip(times, times[1:]) if b > a), default=300)


def spark_parts(
    times,
    values,
    width: int,
    *,
    now_ts: float,
    window_seconds: int,
    bucket_seconds: int,
    settled_before: int | None,
    ascii_mode: bool,
    from_zero: bool,
) -> list[Run]:
    """The sparkline cell as runs: settled bars in the sparkline colour, provisional ones (the vendor is still
    filling them) in the muted "prov" style, no data as blanks."""
    start, end = spark_window(now_ts, window_seconds, bucket_seconds)
    settled, provisional = window_sparkline(
        times, values, width, start, end, bucket_seconds, settled_before, ascii_mode=ascii_mode, from_zero=from_zero
    )
    return [(settled, "spark"), (provisional, "prov")]


def domain_runs(
    d: DomainSnapshot,
    columns: list[Column],
    width: int,
    *,
    age: str,
    ascii_mode: bool,
    from_zero: bool,
    now_ts: float | None = None,
    window_seconds: int = 3600,
    hostnames: bool = False,
    alert: str | None = None,
) -> list[Run]:
    """A domain line: mark, vendor, name, now, Δ, sparkline, peak, traffic, age, short error. A domain still
    waiting for the backfill of a longer window says "filling…" where its error would be, and its peak and
    traffic (which cover part of the window) are drawn in the warning style. NOW is the newest bucket as it
    stands: while the vendor is still filling it (provisional) it is drawn in the provisional style, like the
    sparkline's last bars, since PEAK and the rest count settled buckets only. `alert`: the level of a firing
    alert on this domain ("warning" / "critical"), marked ⚑ in place of the status mark."""
    body = BODY_ROLE.get(d.status, "body")
    partial = "stale" if d.filling else body
    name = d.domain if hostnames else d.display
    if hostnames:
        name = cut_middle(name, _width_of(columns, "domain"), ascii_mode)
    if d.error:
        # A long code is cut so it can still be told apart (its end kept), never cut at its end.
        note: Run = (error_note(d.error, _width_of(columns, "error"), ascii_mode), "error")
    else:
        note = (FILLING_TEXT, "stale") if d.filling else ("", "error")
    if alert is not None:
        mark: Run = (ASCII_ALERT_MARK if ascii_mode else ALERT_MARK, ALERT_ROLE.get(alert, "critical"))
    else:
        mark = ((ASCII_MARKS if ascii_mode else MARKS).get(d.status, "?"), MARK_ROLE.get(d.status, "body"))
    cells: dict[str, Run] = {
        "mark": mark,
        "vendor": (vendor_mark(d.vendor), body),
        "domain": (name, body),
        "now": (format_bps(d.bandwidth_now), "prov" if d.now_provisional else body),
        "delta": (format_change(d.change_ratio), body),
        "peak": (format_bps(d.peak_bps), partial),
        "traffic": (format_bytes(d.traffic_bytes), partial),
        "age": (age, body),
        "error": note,
    }
    parts: dict[str, list[Run]] = {}
    if now_ts is None:
        now_ts = d.updated_at.timestamp() if d.updated_at else 0.0
    for col in columns:
        if col.name == "spark":
            parts["spark"] = spark_parts(
                d.bandwidth.times,
                d.bandwidth.values,
                col.width,
                now_ts=now_ts,
                window_seconds=window_seconds,
                bucket_seconds=d.bucket_seconds,
                settled_before=int(d.settled_before.timestamp()) if d.settled_before else None,
                ascii_mode=ascii_mode,
                from_zero=from_zero,
            )
    return _assemble(cells, columns, body, width, ascii_mode, parts)


def _width_of(columns: list[Column], name: str) -> int:
    return next((c.width for c in columns if c.name == name), 0)


def total_label(t: TotalSnapshot, width: int) -> str:
    """The store's label ("acc total (4 watched domains)") when it fits, else a shorter one that still says
    these are sums over the watched domains, not the vendor's account figures."""
    if cell_len(t.label) <= width:
        return t.label
    if not t.account:
        return f"grand total, {t.domains} watched"
    api = f" ({t.api.removeprefix('api ')})" if t.api else ""
    return f"{t.account} total{api}, {t.domains} watched"


def total_runs(
    t: TotalSnapshot,
    columns: list[Column],
    width: int,
    *,
    ascii_mode: bool,
    from_zero: bool,
    insecure: bool = False,
    now_ts: float | None = None,
    window_seconds: int = 3600,
) -> list[Run]:
    """An account or grand total line: sums over the watched domains, labelled as such by the store. An account
    that does not verify TLS certificates says so here, where its figures are (verify_tls = false)."""
    notes = ["TLS NOT VERIFIED"] if insecure else []
    if t.errors:
        notes.append(f"{t.errors} failing")
    if t.capacity is not None and not t.capacity.fits:  # its rate limit cannot serve the refresh
        room = _width_of(columns, "error")
        taken = len(", ".join(notes)) + 2 if notes else 0
        text = t.capacity.short_within(room - taken)
        if taken and len(text) > room - taken:  # no room after "N failing": the figure goes first, whole
            notes.insert(0, t.capacity.short_within(room))
        else:
            notes.append(text)
    if not t.complete:
        notes.append(FILLING_TEXT)
    partial = "total" if t.complete else "stale"
    cells: dict[str, Run] = {
        "mark": (ASCII_TOTAL_MARK if ascii_mode else TOTAL_MARK, "total"),
        "vendor": (vendor_mark(t.vendor) if t.vendor else "", "total"),
        "domain": (total_label(t, _width_of(columns, "domain")), "total"),
        "now": (format_bps(t.bandwidth_now), "prov" if t.now_provisional else "total"),
        "delta": ("", "total"),
        "peak": (format_bps(t.peak_bps), partial),
        "traffic": (format_bytes(t.traffic_bytes), partial),
        "age": ("", "total"),
        "error": (", ".join(notes), "error"),
    }
    if now_ts is None:
        now_ts = float(t.bandwidth.times[-1]) if len(t.bandwidth) else 0.0
    parts: dict[str, list[Run]] = {}
    for col in columns:
        if col.name == "spark":
            parts["spark"] = spark_parts(
                t.bandwidth.times,
                t.bandwidth.values,
                col.width,
                now_ts=now_ts,
                window_seconds=window_seconds,
                bucket_seconds=_bucket_of(t.bandwidth.times),
                settled_before=int(t.settled_before.timestamp()) if t.settled_before else None,
                ascii_mode=ascii_mode,
                from_zero=from_zero,
            )
    return _assemble(cells, columns, "total", width, ascii_mode, parts)


def row_key(
    row: Row, selected: DomainKey | None, age: str, now_ts: float = 0.0, window: int = 0, alert: str | None = None
) -> tuple:
    """Everything a row's text depends on besides width and display settings. The sparkline's time span
    (spark_window) moves once a bucket: it is part of the key."""
    if (d := row.domain) is not None:
        span = spark_window(now_ts, window, d.bucket_seconds)
        return ("domain", row.ident, d.version, d.status, d.window_complete, span, row.ident == selected, alert, age)
    if (t := row.total) is not None:
        # The store rebuilds every total when any domain changes: compare figures, not identity.
        values = t.bandwidth.values.tobytes()
        span = spark_window(now_ts, window, _bucket_of(t.bandwidth.times))
        return (
            "total", row.ident, t.label, t.errors, t.bandwidth_now, t.peak_bps, t.traffic_bytes, values,
            t.settled_before, t.complete, span, t.capacity,
        )
    return ("note", row.ident, row.text, row.role)


def row_runs(
    row: Row,
    columns: list[Column],
    width: int,
    *,
    age: str,
    ascii_mode: bool,
    from_zero: bool,
    insecure_accounts: frozenset[str] = frozenset(),
    now_ts: float | None = None,
    window_seconds: int = 3600,
    hostnames: bool = False,
    alert: str | None = None,
) -> list[Run]:
    if row.domain is not None:
        return domain_runs(
            row.domain,
            columns,
            width,
            age=age,
            ascii_mode=ascii_mode,
            from_zero=from_zero,
            now_ts=now_ts,
            window_seconds=window_seconds,
            hostnames=hostnames,
            alert=alert,
        )
    if row.total is not None:
        insecure = row.total.account in insecure_accounts if row.total.account else False
        return total_runs(
            row.total,
            columns,
            width,
            ascii_mode=ascii_mode,
            from_zero=from_zero,
            insecure=insecure,
            now_ts=now_ts,
            window_seconds=window_seconds,
        )
    return note_runs(row.text, width, ascii_mode, row.role)


def header_runs(
    columns: list[Column],
    width: int,
    *,
    sort: str,
    window_seconds: int | None,
    ascii_mode: bool,
    hostnames: bool = False,
) -> list[Run]:
    """Column titles; the sparkline title names the window, the domain title the sort order."""
    cells: dict[str, Run] = {}
    for col in columns:
        title = col.title
        if col.name == "spark" and window_seconds:
            title = f"LAST {format_window(window_seconds)}"
        elif col.name == "domain":
            name = "HOST" if hostnames else col.title
            title = f"{name} {'v' if ascii_mode else '↓'}{sort}"
        elif col.name == "delta" and ascii_mode:
            title = "CHG"
        cells[col.name] = (title, "header")
    return _assemble(cells, columns, "header", width, ascii_mode)


def scroll_target(rows: list[Row], row: int, top: int, lines: int) -> int | None:
    """New scroll offset that shows `row` in a viewport of `lines` rows starting at `top` (None: no scroll),
    keeping the total lines right under it in view when they fit (so G shows the grand total too)."""
    end = row
    while end + 1 < len(rows) and rows[end + 1].kind != "domain":
        end += 1
    end = min(end, row + lines - 1)
    if row < top:
        return row
    if end >= top + lines:
        return end - lines + 1
    return None


def runs_of_lines(lines: list[int]) -> list[tuple[int, int]]:
    """Sorted line numbers -> (first, count) per run of consecutive lines: [1, 2, 3, 7] -> [(1, 3), (7, 1)]."""
    runs: list[tuple[int, int]] = []
    for y in lines:
        if runs and runs[-1][0] + runs[-1][1] == y:
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((y, 1))
    return runs


def note_runs(text: str, width: int, ascii_mode: bool, role: str = "dim") -> list[Run]:
    if ascii_mode:
        text = text.replace("…", "...").replace("“", '"').replace("”", '"')
    return [(fit(text, width, ascii_mode=ascii_mode), role)] if width > 0 else []
