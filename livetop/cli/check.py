"""`livetop check`: a Nagios / Icinga / Zabbix plugin (Monitoring Plugins guidelines, operations.md §2c).

Exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN; one short summary line, long text, performance data. The whole
run, start-up included, stays inside --timeout: domains the vendor did not answer in time are named, never
waited for.
"""

from __future__ import annotations

import argparse
import sys
import time
import types

STARTED = time.monotonic()  # as early as the command line is imported: start-up counts against the budget

HELP = "Nagios/Icinga plugin: one poll, exit 0 OK / 1 WARNING / 2 CRITICAL / 3 UNKNOWN, with perfdata"
EPILOG = """\
thresholds use the plugins' range format: 10 (alert outside 0..10), 10: (alert below 10), ~:10 (alert above
10), 10:20 (alert outside), @10:20 (alert inside). Examples:
  livetop check -w 500000000: -c 100000000:           settled bandwidth at least 500 / 100 Mbit/s
  livetop check --metric change -w 70: -c 60:         at least 70 % / 60 % of 30 minutes earlier
  livetop check --rules                               the config's [[alerts]] rules decide
A domain the vendor refuses, answers 5xx for, or does not answer in time is CRITICAL; config and credential
errors are UNKNOWN."""
UNKNOWN = 3
OUTPUT_MARGIN_SECONDS = 1.5  # kept back from --timeout: the backstop, shutting down, printing


def _unknown(message: str, detail: str = "") -> int:
    sys.stdout.write(f"LIVETOP UNKNOWN - {message}\n" + (detail + "\n" if detail else ""))
    sys.stdout.flush()
    return UNKNOWN


def _argparse_error(self, message: str):  # invalid arguments are UNKNOWN (3), not argparse's 2
    self.print_usage(sys.stderr)
    sys.exit(_unknown(f"invalid arguments: {message}"[:70], f"usage: {self.format_usage().strip()}"))


def unknown_arguments(extra: list[str]) -> int:
    return _unknown(f"invalid arguments: unrecognized {' '.join(extra)}"[:70], "see livetop check --help")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from livetop.cli.common import add_config_argument

    parser.error = types.MethodType(_argparse_error, parser)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    add_config_argument(parser)
    parser.add_argument("-w", "--warning", metavar="RANGE", help="warning threshold (range format)")
    parser.add_argument("-c", "--critical", metavar="RANGE", help="critical threshold (range format)")
    parser.add_argument(
        "--metric", choices=("bandwidth", "change"), default="bandwidth",
        help="bandwidth: the newest settled bucket in bit/s (default); change: that bucket in %% of the one "
        "--minutes earlier (100 = unchanged, 38 = fell by 62 %%)",
    )
    parser.add_argument("--minutes", type=int, default=30, metavar="N", help="--metric change: compare with N "
                        "minutes earlier (default 30)")
    parser.add_argument("--domain", action="append", metavar="GLOB", help="only domains matching (repeatable)")
    parser.add_argument("--account", action="append", metavar="GLOB", help="only accounts matching (repeatable)")
    parser.add_argument("--rules", action="store_true", help="judge with the config's [[alerts]] rules "
                        "(the default when no -w/-c is given and the config has rules)")
    parser.add_argument("--rule", action="append", metavar="NAME", help="only this alert rule (repeatable)")
    parser.add_argument("-t", "--timeout", type=float, default=10.0, metavar="SECONDS",
                        help="the whole run's budget, start-up included (default 10)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="-v: a line for every domain")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except Exception as exc:  # a plugin never dies with a traceback: the monitoring system shows UNKNOWN
        return _unknown(f"livetop internal error ({type(exc).__name__})", "please report this as a livetop bug")


def _capacity_lines(config, timeout: float) -> list[str]:
    """Why domains went unreached when an account's rate limit cannot ask them all within the check's time
    (livetop.engine.capacity): the long output says so, rather than leaving a timeout to be guessed at."""
    import math

    from livetop.engine.capacity import one_poll_warning

    out = []
    for account in config.accounts:
        try:
            line = one_poll_warning(account, timeout, longest=300, flag=lambda s: f"-t {math.ceil(s)}")
        except KeyError:
            continue
        if line:
            out.append(f"rate limit: {line}")
    return out


def _run(args: argparse.Namespace) -> int:
    from livetop.check.nagios import RangeError, Range

    try:
        warn = Range.parse(args.warning) if args.warning is not None else None
        crit = Range.parse(args.critical) if args.critical is not None else None
    except RangeError as exc:
        return _unknown(f"invalid threshold: {exc.args[0]}"[:70], f"fix: {exc.args[1]}")
    if not 1 <= args.minutes <= 1440:
        return _unknown("invalid arguments: --minutes must be 1 to 1440")
    if not 1 <= args.timeout <= 300:
        return _unknown("invalid arguments: --timeout must be 1 to 300 seconds")
    from livetop.config import ConfigError, load_config

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        head = "config error" + (f" at {exc.key}" if exc.key else f": {exc.problem}")
        return _unknown(head[:70], exc.message())
    rules = config.alerts
    if args.rule:
        unknown = [n for n in args.rule if n not in {r.name for r in rules}]
        if unknown:
            return _unknown(f"no alert rule named {unknown[0]!r}", f"rules in {config.path}: "
                            + (", ".join(r.name for r in rules) or "none"))
        rules = tuple(r for r in rules if r.name in args.rule)
    use_rules = args.rules or bool(args.rule) or (warn is None and crit is None and bool(rules))
    if use_rules and not rules:
        return _unknown("--rules: the config has no [[alerts]] rules", str(config.path))
    config = _select(config, args.domain, args.account)
    if not any(a.domains for a in config.accounts):
        what = " ".join([*(f"--domain {d}" for d in args.domain or ()), *(f"--account {a}" for a in args.account or ())])
        return _unknown(f"no configured domain matches {what}"[:70] if what else "no domains configured",
                        str(config.path))
    from livetop.check.verdict import CheckSpec

    spec = CheckSpec(
        metric=args.metric, minutes=args.minutes, warn=warn, crit=crit, rules=rules if use_rules else (),
        deadline_seconds=args.timeout,
    )
    import asyncio

    budget = args.timeout - (time.monotonic() - STARTED) - OUTPUT_MARGIN_SECONDS
    snapshot, now = asyncio.run(_poll(_with_window(config, spec), max(0.5, budget)))
    from livetop.check.nagios import render
    from livetop.check.verdict import _rank, judge, summarise

    results = judge(snapshot, spec, now)
    state, summary, head = summarise(results)
    ordered = sorted(results, key=lambda r: (-_rank(r.state), r.snap.account, r.name))
    lines = [r.line() for r in ordered if args.verbose or r.state != 0]
    unreached = [r.name for r in results if r.unreached]
    if unreached:
        lines.append(f"not reached in time ({args.timeout:g}s): {', '.join(unreached)}")
        lines += _capacity_lines(config, args.timeout)
    sys.stdout.write(render(state, summary, head, lines, [p for r in results for p in r.perf]))
    sys.stdout.flush()
    return state


def _select(config, domains, accounts):
    """Only the selected domains are polled: fewer vendor calls, sooner done."""
    from dataclasses import replace
    from fnmatch import fnmatchcase

    picked = []
    for account in config.accounts:
        if accounts and not any(fnmatchcase(account.name, g) for g in accounts):
            continue
        kept = tuple(
            d for d in account.domains
            if not domains or any(fnmatchcase(d.name.lower(), g.lower()) or (d.label and fnmatchcase(d.label, g))
                                  for g in domains)
        )
        if kept:
            picked.append(replace(account, domains=kept))
    return replace(config, accounts=tuple(picked))


def _with_window(config, spec):
    """A window just long enough for what is judged: the settle lag, the comparison, a few buckets spare."""
    from dataclasses import replace

    from livetop.vendors.registry import account_api

    longest = 0
    for a in config.accounts:
        bucket = a.step_minutes * 60
        # The API's settle delay as its spec declares it (a provider may add to it: the spare buckets cover that).
        lag = account_api(a).settle_seconds if a.data_lag_seconds is None else a.data_lag_seconds
        need = lag + 4 * bucket
        if spec.rules:
            for r in spec.rules:
                if r.kind in ("drop", "spike"):
                    need = max(need, lag + (86400 if r.against == "yesterday" else r.buckets * bucket) + 4 * bucket)
                if r.kind == "stale":
                    need = max(need, int(r.threshold) + bucket)
        elif spec.metric == "change":
            need += spec.minutes * 60
        longest = max(longest, need)
    window = min(90 * 86400, max(900, longest))
    return replace(config, window_seconds=int(window))


async def _poll(config, budget: float):
    """One poll of every selected domain within `budget` seconds: the engine's hard one-shot deadline
    (LIVETOP.DEADLINE on every domain it cut off), with a backstop a little later in case shutting down
    itself hangs."""
    import asyncio

    from livetop.engine import Engine

    engine = Engine(config)
    task = asyncio.ensure_future(engine.poll_all_once(timeout=budget))
    try:
        done, _ = await asyncio.wait({task}, timeout=budget + 0.8)
        snapshot = task.result() if done else engine.store.snapshot()
        return snapshot, engine.clock.now()
    finally:
        if not task.done():
            task.cancel()
        try:
            await asyncio.wait_for(engine.stop(), timeout=0.3)
        except (TimeoutError, Exception):
            pass
