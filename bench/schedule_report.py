"""bench/schedule.py's analysis: requests per minute and freshness from a run's raw records, and the table.

Reads, per API and side, the simulator's running request counts (`counts.jsonl`) and the engine's recorded
changes (`observations.jsonl`), and replays the engine's screen state second by second over the measured
window against the simulator's truth (bench/schedule_truth.py).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from bench.schedule_truth import Truth

SIDES = ("before", "after")
CHECKED_PER_SIDE = 300  # arrivals per side and API whose value is checked against the truth at arrival
BISECT_TO = 0.01  # seconds: how finely the moment a shown value stopped being current is found


def _same(bucket_a: int, value_a: float, bucket_b: int, value_b: float) -> bool:
    return bucket_a == bucket_b and math.isclose(value_a, value_b, rel_tol=1e-9, abs_tol=1e-6)


def requests_in(path: Path, start: float, end: float) -> dict:
    """Requests the simulator answered in [start, end], all and refused, from its running totals."""
    lines = [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]
    lines = [ln for ln in lines if "t" in ln]
    first = max((ln for ln in lines if ln["t"] <= start), key=lambda ln: ln["t"], default=lines[0])
    last = max((ln for ln in lines if ln["t"] <= end), key=lambda ln: ln["t"], default=lines[-1])

    def totals(line: dict) -> tuple[int, int, dict]:
        codes: dict[str, int] = {}
        for per in line["c"].values():
            for code, n in per.items():
                codes[code] = codes.get(code, 0) + n
        return sum(codes.values()), sum(n for c, n in codes.items() if c != "ok"), codes

    all0, ref0, codes0 = totals(first)
    all1, ref1, codes1 = totals(last)
    minutes = max(1e-9, (last["t"] - first["t"]) / 60.0)
    refused = {c: n - codes0.get(c, 0) for c, n in codes1.items() if c != "ok" and n - codes0.get(c, 0)}
    return {"per_minute": (all1 - all0) / minutes, "refused_per_minute": (ref1 - ref0) / minutes,
            "requests": all1 - all0, "refused": refused, "minutes": minutes}  # fmt: skip


def _first_difference(truth, name: str, bucket: int, value: float, lo: float, hi: float,
                      to: float = BISECT_TO) -> float:
    """The first moment in [lo, hi] at which the vendor's answer differs from (bucket, value), assuming it
    is the same until then and different after."""
    if not _same(*truth(name, lo), bucket, value):
        return lo
    while hi - lo > to:
        mid = (lo + hi) / 2
        if _same(*truth(name, mid), bucket, value):
            lo = mid
        else:
            hi = mid
    return hi


def _stopped_being_current(truth, name: str, bucket: int, value: float, upd: float) -> float | None:
    """When the vendor's newest answer moved on from (bucket, value), a value that arrived at `upd`: None when
    it is still the vendor's answer at `upd`. A value can be out of date on arrival: its fetch asked for a
    range that ended when the poll began, and the answer came back only after the rate limit's queue."""
    newest, _ = truth(name, upd)
    if newest == bucket:
        if _same(*truth(name, upd), bucket, value):
            return None
        since = upd  # answered earlier in this bucket's life: find when, looking back up to 2 minutes
    else:
        # The vendor has moved on to a newer bucket: when did it? (the newest bucket only ever grows)
        lo, hi = float(bucket), upd
        while hi - lo > 1e-5:
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if truth(name, mid)[0] == bucket else (lo, mid)
        if _same(*truth(name, lo), bucket, value):
            return hi  # the bucket's last value as the newest: current until the next bucket appeared
        since = lo
    previous = None
    for k in range(241):
        moment = since - 0.5 * k
        b, v = truth(name, moment)
        if b != bucket:
            break
        if _same(b, v, bucket, value):
            return _first_difference(truth, name, bucket, value, moment, moment + 0.5)
        if previous is not None and min(previous, v) <= value <= max(previous, v):
            return moment + 0.5  # a continuous value (an average over the elapsed time) crossed it
        previous = v
    return since  # not found: counted from `since` (the truth check reports such values)


def _answered(truth, name: str, bucket: int, value: float, at: float) -> bool:
    """Did the vendor answer `value` for `bucket` at some moment of the 30 s before `at`? (the value may have
    been asked for a little before the fetch ended: the second request of a fetch waits for the rate limit)"""
    moments = [at - k * 0.05 for k in range(41)] + [at - 2.0 - k * 0.5 for k in range(1, 57)]
    previous = None
    for moment in moments:
        v = truth.value_of(name, bucket, moment)
        if v is None:
            break
        if math.isclose(v, value, rel_tol=1e-9, abs_tol=1e-6):
            return True
        if previous is not None and min(previous, v) <= value <= max(previous, v):
            return True  # a continuous value (an average over the elapsed time) crossed it in between
        previous = v
    return False


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def freshness(path: Path, truth: Truth, start: float, end: float) -> dict:
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    names = [key.split("/", 1)[1] for key in header["domains"]]
    n = len(names)
    updated: list[float | None] = [None] * n
    bucket: list[int | None] = [None] * n
    value: list[float | None] = [None] * n
    diff_since: list[float | None] = [None] * n  # when the shown value stopped being the vendor's answer
    known = [False] * n  # diff_since worked out for the value shown
    last_current: list[float | None] = [None] * n  # the last sample at which it was still current
    ages: list[float] = []
    lags: list[float] = []
    current = no_data_seconds = samples = 0
    checked = matched = 0
    mismatches: list[str] = []
    no_data_at_end = n
    for raw in lines[1:]:
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except json.JSONDecodeError:
            break  # the last line of a killed engine
        t = line["t"]
        for i, upd, b, v in line["c"]:
            arrived = upd is not None and upd != updated[i]
            updated[i], bucket[i], value[i] = upd, b, v
            if arrived or b is None:
                diff_since[i] = None
                known[i] = False
            if arrived and b is not None and start <= t <= end and checked < CHECKED_PER_SIDE:
                checked += 1
                if _answered(truth, names[i], b, v, upd):
                    matched += 1
                elif len(mismatches) < 3:
                    mismatches.append(f"{names[i]} bucket {b} value {v} updated {upd:.2f}")
        if not start <= t <= end:
            continue
        samples += 1
        no_data_at_end = 0
        for i in range(n):
            upd, b, v = updated[i], bucket[i], value[i]
            if upd is None or b is None:
                no_data_seconds += 1
                no_data_at_end += 1
                continue
            ages.append(t - upd)
            name = names[i]
            if not known[i]:
                known[i] = True
                diff_since[i] = _stopped_being_current(truth, name, b, v, upd)
                last_current[i] = upd
            if diff_since[i] is None:
                if _same(*truth(name, t), b, v):
                    current += 1
                    lags.append(0.0)
                    last_current[i] = t
                    continue
                diff_since[i] = _first_difference(truth, name, b, v, last_current[i], t)
            lags.append(max(0.0, t - diff_since[i]))
    ages.sort()
    lags.sort()
    shown = max(1, len(lags))
    return {
        "samples": samples,
        "domains": n,
        "age_p50": _percentile(ages, 0.50),
        "age_p95": _percentile(ages, 0.95),
        "lag_p50": _percentile(lags, 0.50),
        "lag_p95": _percentile(lags, 0.95),
        "current_share": current / shown,
        "no_data_share": no_data_seconds / max(1, samples * n),
        "no_data_at_end": no_data_at_end,
        "checked": checked,
        "matched": matched,
        "mismatches": mismatches,
        "root": header.get("root"),
    }


def analyse(meta: dict, workdir: Path) -> dict:
    results: dict = {}
    for api in meta["apis"]:
        start, end = meta["windows"][api]
        results[api] = {}
        for side in SIDES:
            prefix = workdir / f"{api}-{side}-"
            truth = Truth(str(prefix) + "scenario.toml", meta["anchors"][f"{api}-{side}"])
            row = {"requests": requests_in(Path(str(prefix) + "counts.jsonl"), start, end)}
            row["fresh"] = freshness(Path(str(prefix) + "observations.jsonl"), truth, start, end)
            if row["fresh"]["root"] != meta["roots"][side]:  # the engine must run the side's own code
                raise SystemExit(f"bench: the {api} {side} engine imported livetop from "
                                 f"{row['fresh']['root']}, not {meta['roots'][side]}")  # fmt: skip
            cpu = meta["cpu"][f"{api}-{side}"]
            row["cpu_percent"] = (
                100 * (cpu[1][1] - cpu[0][1]) / (cpu[1][0] - cpu[0][0]) if len(cpu) == 2 else None
            )
            results[api][side] = row
    return results


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def report(meta: dict, results: dict) -> None:
    print(f"# bench/schedule.py — {meta['domains']} domains per API, refresh {meta['refresh']:g} s, "
          f"{meta['minutes']:g} min measured\n")  # fmt: skip
    commits, roots = meta["commits"], meta["roots"]
    print(f"before: {commits['before']} ({roots['before']}); after: {commits['after']} ({roots['after']}); "
          f"simulator and truth of both sides: {meta['simulator']}; "
          f"{os.cpu_count()} cores, load average at the end {meta['load_end'][0]:.1f}\n")  # fmt: skip
    print("| API | refresh | domains | requests/min before | after | before ÷ after "
          "| refused/min before / after | age p50 / p95 s before | after | lag p50 / p95 s before | after "
          "| current before / after "
          "| no data at end before / after | engine CPU % before / after |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for api, sides in results.items():
        b, a = sides["before"], sides["after"]
        rb, ra = b["requests"]["per_minute"], a["requests"]["per_minute"]
        fb, fa = b["fresh"], a["fresh"]
        ratio = f"{rb / ra:.1f}×" if ra else "∞"
        cpu = " / ".join("–" if s["cpu_percent"] is None else f"{s['cpu_percent']:.1f}" for s in (b, a))
        print(
            f"| {api} | {meta['refresh']:g} s | {fb['domains']} | {rb:.0f} | {ra:.0f} | {ratio} "
            f"| {b['requests']['refused_per_minute']:.0f} / {a['requests']['refused_per_minute']:.0f} "
            f"| {_s(fb['age_p50'])} / {_s(fb['age_p95'])} | {_s(fa['age_p50'])} / {_s(fa['age_p95'])} "
            f"| {_s(fb['lag_p50'])} / {_s(fb['lag_p95'])} | {_s(fa['lag_p50'])} / {_s(fa['lag_p95'])} "
            f"| {100 * fb['current_share']:.0f} % / {100 * fa['current_share']:.0f} % "
            f"| {fb['no_data_at_end']} / {fa['no_data_at_end']} | {cpu} |"
        )
    print()
    for api, sides in results.items():
        start, end = meta["windows"][api]
        notes = []
        for side in SIDES:
            f, r = sides[side]["fresh"], sides[side]["requests"]
            refused = ", ".join(f"{c} {n}" for c, n in sorted(r["refused"].items())) or "none"
            note = (f"{side}: {r['requests']} requests in {r['minutes']:.1f} min (refused: {refused}); "
                    f"{f['samples']} samples; domain-seconds without data {100 * f['no_data_share']:.1f} %; "
                    f"truth check {f['matched']}/{f['checked']} arrivals matched the "
                    f"simulator's answer")  # fmt: skip
            if f["mismatches"]:
                note += " (unmatched, e.g. " + "; ".join(f["mismatches"]) + ")"
            notes.append(note)
        print(f"- {api}, window {end - start:.0f} s: " + ". ".join(notes))
