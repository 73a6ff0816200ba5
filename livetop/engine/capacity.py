"""Honest capacity: can an account's rate limit serve its domains at the refresh the user asked for?

Pure: an account config and a refresh in, figures and a message out. When the domains need more requests a
minute than the account's limit allows, the engine's token bucket queues them and every domain is asked less
often than the refresh says, by the ratio of the two. Nothing is lost silently: the overview's total line and
status line, `livetop snapshot`'s stderr, the snapshot JSON and the exporter's gauges say so, in the form
"1000 domains at 280 req/min: each every 7.2 min".

The limit is the rate livetop actually keeps to (`livetop.vendors.limits.effective_limits`), per minute: for an
API counted per minute with a start-up burst (Huawei v1: 300/min, 20 of them a burst), the sustained rate is
what is left after the burst (280/min), which is what a saturated account gets minute after minute. A vendor
that answers slowly lowers it further: the engine has at most `concurrency` polls of an account on the wire,
so it cannot ask more than concurrency / (the time one poll takes) however high the rate limit; with the
poll time the engine measured (`Live.poll_seconds`) the limit is the lower of the two, and the message names
the concurrency ceiling when that is what binds.

What the engine knows of an account as it runs (`Live`) corrects the figure too: paused domains ask nothing
and are not counted; when the vendor's per-domain lists are off or failing (Huawei v2: a list error hands its
domains back to their own calls, a hundred times the requests), the demand is the per-domain calls' and the
capacity carries a one-line `notice` saying so.

Demand is computed in ONE place, `requests_per_domain_per_minute`; everything here and elsewhere goes through
it. It is the data-driven poll schedule's own count (livetop.engine.schedule.demand_per_minute: a domain's
bandwidth once per update of the vendor's data at most, its traffic when a bucket settles, or per-domain lists
for a whole account), and how often each domain is asked is the schedule's cadence (`cadence_seconds`),
stretched by demand / limit when the limit falls short.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from livetop.config.schema import AccountConfig
from livetop.engine import schedule
from livetop.vendors.limits import effective_limits
from livetop.vendors.registry import account_api, vendor_spec

# Demand and limit are compared with this relative slack: 140 domains x 2 requests a minute against 280/min
# fits exactly, whatever the float arithmetic of 300/60 - 20/60 makes of it.
_SLACK = 1e-9
ONE_POLL_MAX_SECONDS = 3600.0  # the longest --timeout `livetop snapshot` takes
DEADLINE_WORD = "LIVETOP.DEADLINE"  # the error a domain not answered in time gets (livetop.engine.deadline)


def requests_per_poll(account: AccountConfig) -> int:
    """HTTP requests one incremental poll of one domain costs (its API's spec: one per metric for most APIs,
    one for an API answering both metrics at once). A first load of a window past the API's span limit is
    split into more, once; that is not the steady state this module is about."""
    return account_api(account).requests_per_poll


def requests_per_domain_per_minute(
    account: AccountConfig,
    refresh_seconds: float,
    update_seconds: float | None = None,
    *,
    domains: int | None = None,
    lists: bool = True,
) -> float:
    """Requests a minute one domain of `account` needs at `refresh_seconds`: THE demand figure, the poll
    schedule's (an account of per-domain lists costs per hundred domains, so this is its share).
    `domains`: how many of its domains are polled (default all); `lists`: whether its per-domain lists run."""
    if refresh_seconds <= 0:
        raise ValueError("refresh_seconds must be positive")
    n = max(1, len(account.domains) if domains is None else domains)
    return schedule.demand_per_minute(account, n, refresh_seconds, update_seconds, lists=lists) / n


@dataclass(frozen=True, slots=True)
class Live:
    """What the engine knows of an account as it runs (AccountRuntime.live): how many of its domains are
    paused, how long one of its polls takes on the wire (seconds, measured; None before any), and why its
    per-domain lists are off (for good) or failing (retried), "" when they run or it has none."""

    paused: int = 0
    poll_seconds: float | None = None
    requests_per_poll: float = 0.0  # HTTP requests one measured poll sent, on average
    lists_off: str = ""
    lists_failing: str = ""


@dataclass(frozen=True, slots=True)
class Capacity:
    """An account's demand against its limit at a refresh. `interval_seconds`: how often each domain is
    actually asked (the refresh when it fits, stretched by demand / limit when it does not)."""

    account: str
    domains: int
    refresh_seconds: float
    demand_per_minute: float  # requests a minute its domains need at the refresh
    limit_per_minute: float  # requests a minute its rate limit sustains
    documented_per_minute: float | None = None  # the vendor's figure when the sustained rate is less (burst)
    burst: float = 1.0
    # How often the schedule asks each domain when the limit serves it (0: the refresh, for an old feed).
    cadence_seconds: float = 0.0
    # What to do when it does not fit, most useful first: ("refresh ≥ 7.2 min", 'api = "v2"', "≤ 35 domains
    # per account"); `advice` says them in one line, a narrow place says as many as fit (`advice_within`).
    fixes: tuple[str, ...] = ()
    paused: int = 0  # domains paused, not in `domains` nor in the demand
    # The ceiling of `concurrency` polls on the wire at a time, each taking `poll_seconds` (measured):
    # requests a minute, None before a poll was measured. `limit_per_minute` is the lower of it and the rate.
    concurrency: int = 0
    poll_seconds: float | None = None
    ceiling_per_minute: float | None = None
    rate_per_minute: float | None = None  # the rate limit alone (None: the same as limit_per_minute)
    # Per-domain lists: why they are off or failing ("" when they run or the API has none), and the demand
    # with them running (what the account needs once they are back).
    lists_off: str = ""
    lists_failing: str = ""
    demand_with_lists: float | None = None

    @property
    def ratio(self) -> float:
        """Demand over limit: above 1 the refresh cannot be served."""
        return self.demand_per_minute / self.limit_per_minute if self.limit_per_minute > 0 else math.inf

    @property
    def fits(self) -> bool:
        return self.demand_per_minute <= self.limit_per_minute * (1 + _SLACK)

    @property
    def interval_seconds(self) -> float:
        """How often each domain is asked: the schedule's cadence, stretched by demand / limit when the limit
        falls short (the pacer serves the domains in turn)."""
        cadence = self.cadence_seconds or self.refresh_seconds
        return cadence if self.fits else cadence * self.ratio

    @property
    def max_domains(self) -> int:
        """How many domains this account could serve at this refresh (its limit over one domain's demand)."""
        per_domain = self.demand_per_minute / self.domains if self.domains else 0.0
        return int(self.limit_per_minute / per_domain * (1 + _SLACK)) if per_domain > 0 else 0

    @property
    def concurrency_bound(self) -> bool:
        """The vendor's answer time, not its rate limit, is what caps the account."""
        return self.ceiling_per_minute is not None and self.rate_per_minute is not None and (
            self.ceiling_per_minute < self.rate_per_minute
        )

    @property
    def message(self) -> str:
        """ "1000 domains at 280 req/min: each every 7.2 min", or "" when the limit serves the refresh. When the
        vendor's answer time binds: "200 domains at 100 req/min (1 at a time, 1.2 s each): each every 2 min"."""
        if self.fits:
            return ""
        noun = "domain" if self.domains == 1 else "domains"
        rate = format_rate(self.limit_per_minute)
        if self.concurrency_bound:
            rate += f" ({self.concurrency} at a time, {_seconds(self.poll_seconds or 0.0)} each)"
        if self.lists_off or self.lists_failing:
            rate += ", lists off" if self.lists_off else ", lists failing"
        return f"{self.domains} {noun} at {rate}: each every {format_interval(self.interval_seconds)}"

    @property
    def notice(self) -> str:
        """One line when the account's per-domain lists are off or failing (its domains then ask their own
        calls): "per-domain lists off (APIGW.0101 …): its domains ask their own calls, 1200 req/min instead
        of 12"; "" otherwise."""
        reason = self.lists_off or self.lists_failing
        if not reason:
            return ""
        state = "off" if self.lists_off else "failing, retried"
        text = f"per-domain lists {state} ({reason}): its domains ask their own calls"
        if self.demand_with_lists is not None:
            text += (
                f", {format_rate(self.demand_per_minute)} instead of {format_rate(self.demand_with_lists)}"
            )
        return text

    @property
    def advice(self) -> str:
        """'fix: refresh ≥ 7.2 min, api = "v2", or ≤ 35 domains per account', or "" when it fits."""
        return _fix_text(self.fixes)

    def advice_within(self, width: int) -> str:
        """The advice with as many of its fixes as fit in `width` characters ("" when not even one does)."""
        for k in range(len(self.fixes), 0, -1):
            text = _fix_text(self.fixes[:k])
            if len(text) <= width:
                return text
        return ""

    @property
    def short(self) -> str:
        """The message for a narrow place (the total line's note column): "each every 7.2 min"."""
        return self.short_within(1000)

    def short_within(self, width: int) -> str:
        """`short`, or "every 7.2 min" where that does not fit in `width` cells: the figure is never cut."""
        if self.fits:
            return ""
        every = f"every {format_interval(self.interval_seconds)}"
        return f"each {every}" if len(every) + 5 <= width else every

    def as_dict(self) -> dict[str, object]:
        """For the snapshot JSON, the collector's feed and `Capacity.from_dict` in a viewer."""
        return {
            "domains": self.domains,
            "refresh_seconds": self.refresh_seconds,
            "requests_per_minute_needed": round(self.demand_per_minute, 3),
            "requests_per_minute_allowed": round(self.limit_per_minute, 3),
            "documented_requests_per_minute": None
            if self.documented_per_minute is None
            else round(self.documented_per_minute, 3),
            "burst": self.burst,
            "ratio": round(self.ratio, 4) if math.isfinite(self.ratio) else None,
            "fits": self.fits,
            "each_domain_every_seconds": round(self.interval_seconds, 1),
            "cadence_seconds": round(self.cadence_seconds, 1),
            "message": self.message,
            "advice": self.advice,
            "fixes": list(self.fixes),
            "paused_domains": self.paused,
            "concurrency": self.concurrency,
            "poll_seconds": None if self.poll_seconds is None else round(self.poll_seconds, 3),
            "concurrency_ceiling_per_minute": None
            if self.ceiling_per_minute is None
            else round(self.ceiling_per_minute, 3),
            "rate_limit_per_minute": None if self.rate_per_minute is None else round(self.rate_per_minute, 3),
            "lists_off": self.lists_off,
            "lists_failing": self.lists_failing,
            "requests_per_minute_with_lists": None
            if self.demand_with_lists is None
            else round(self.demand_with_lists, 3),
            "notice": self.notice,
        }

    @classmethod
    def from_dict(cls, account: str, body: Mapping[str, object]) -> Capacity:
        """The inverse of `as_dict` (a viewer mirroring a collector). Raises ValueError/TypeError/KeyError on
        a body that is not one."""
        documented = body.get("documented_requests_per_minute")

        def number(name: str) -> float | None:
            value = body.get(name)
            return None if value is None else float(value)

        return cls(
            account=account,
            domains=int(body["domains"]),
            refresh_seconds=float(body["refresh_seconds"]),
            demand_per_minute=float(body["requests_per_minute_needed"]),
            limit_per_minute=float(body["requests_per_minute_allowed"]),
            documented_per_minute=None if documented is None else float(documented),
            burst=float(body.get("burst", 1.0)),
            cadence_seconds=float(body.get("cadence_seconds") or 0.0),
            fixes=tuple(str(f) for f in body.get("fixes") or ()),
            paused=int(body.get("paused_domains") or 0),
            concurrency=int(body.get("concurrency") or 0),
            poll_seconds=number("poll_seconds"),
            ceiling_per_minute=number("concurrency_ceiling_per_minute"),
            rate_per_minute=number("rate_limit_per_minute"),
            lists_off=str(body.get("lists_off") or ""),
            lists_failing=str(body.get("lists_failing") or ""),
            demand_with_lists=number("requests_per_minute_with_lists"),
        )


def account_capacity(
    account: AccountConfig,
    refresh_seconds: float,
    update_seconds: float | None = None,
    live: Live | None = None,
) -> Capacity:
    """The capacity of `account` at `refresh_seconds` (as the engine runs it: `live`), with what to do when
    it does not fit."""
    cap = _capacity(account, refresh_seconds, update_seconds, live)
    return cap if cap.fits else replace(cap, fixes=_fixes(account, cap))


def concurrency_ceiling(concurrency: int, poll_seconds: float, requests_per_poll: float) -> float:
    """Requests a minute `concurrency` polls on the wire at a time can make, each taking `poll_seconds` and
    sending `requests_per_poll` requests (the engine's cap is per poll, engine/fetch.py)."""
    return concurrency * max(1.0, requests_per_poll) * 60.0 / max(poll_seconds, 1e-3)


def _capacity(
    account: AccountConfig, refresh_seconds: float, update_seconds: float | None = None, live: Live | None = None
) -> Capacity:
    live = live or Live()
    limits = effective_limits(account)
    rate = limits.rate_per_second * 60.0
    documented = None
    if not account.rate_per_second:
        stated = account_api(account).rate_per_second * 60.0
        if stated > rate * (1 + _SLACK):
            documented = stated  # part of it is kept for bursts (see effective_limits)
    ceiling = None
    if live.poll_seconds is not None:
        per_poll = live.requests_per_poll or requests_per_poll(account)
        ceiling = concurrency_ceiling(limits.concurrency, live.poll_seconds, per_poll)
    n = max(0, len(account.domains) - live.paused)
    lists = provider_lists(account)
    lists_run = lists and not (live.lists_off or live.lists_failing)
    demand = requests_per_domain_per_minute(account, refresh_seconds, update_seconds, domains=n, lists=lists_run)
    with_lists = None
    if lists and not lists_run:
        with_lists = requests_per_domain_per_minute(account, refresh_seconds, update_seconds, domains=n) * n
    return Capacity(
        account=account.name,
        domains=n,
        refresh_seconds=float(refresh_seconds),
        demand_per_minute=demand * n,
        limit_per_minute=rate if ceiling is None else min(rate, ceiling),
        documented_per_minute=documented,
        burst=limits.burst,
        cadence_seconds=schedule.cadence_seconds(account, refresh_seconds, update_seconds),
        paused=len(account.domains) - n,
        concurrency=limits.concurrency,
        poll_seconds=live.poll_seconds,
        ceiling_per_minute=ceiling,
        rate_per_minute=rate,
        lists_off=live.lists_off,
        lists_failing=live.lists_failing,
        demand_with_lists=with_lists,
    )


def provider_lists(account: AccountConfig) -> bool:
    """The account's API answers many domains a call (schedule rule 7)."""
    from livetop.vendors.registry import provider_class

    return bool(provider_class(account.vendor, account.api or None).list_batch(account))


def capacities(
    accounts, refresh_seconds: float, update_seconds: float | None = None, live: Mapping[str, Live] | None = None
) -> dict[str, Capacity]:
    """{account name: Capacity} for every account whose API livetop knows (the config loader rejects any
    other; an engine built by hand may hold one, and says nothing about it). `update_seconds`: the engine's
    override of the APIs' update periods (tests); `live`: what the engine knows of each account as it runs."""
    out = {}
    live = live or {}
    for account in accounts:
        try:
            out[account.name] = account_capacity(account, refresh_seconds, update_seconds, live.get(account.name))
        except KeyError:
            continue
    return out


def better_api(account: AccountConfig, refresh_seconds: float) -> str | None:
    """The vendor's current API (the one `livetop init` offers) when the account uses another and the current
    one would ask its domains more often at this refresh; else None. Never a legacy API (its auth and domains
    differ), and only where the limit is the API's own: a rate the user set applies whatever the API."""
    if account.rate_per_second:
        return None
    try:
        current = vendor_spec(account.vendor).init_api
        if current == account_api(account).name:
            return None
        other = _capacity(replace(account, api=current), refresh_seconds)
    except KeyError:
        return None
    here = _capacity(account, refresh_seconds)
    return current if other.interval_seconds < here.interval_seconds * (1 - _SLACK) else None


def _fixes(account: AccountConfig, cap: Capacity) -> tuple[str, ...]:
    """What to do about an account its limit cannot serve, most useful first: the refresh that fits, the
    vendor's current API when it serves more, and how many domains per account fit at this refresh."""
    ways = []
    refresh = _refresh_that_fits(account, cap)
    if refresh is not None:
        ways.append(f"refresh ≥ {format_interval(refresh)}")
    if cap.concurrency_bound and cap.ceiling_per_minute:
        # More polls on the wire at once, up to what the rate limit serves (the vendor may refuse more).
        wanted = min(cap.demand_per_minute, cap.rate_per_minute or cap.demand_per_minute)
        ways.append(f"concurrency = {math.ceil(cap.concurrency * wanted / cap.ceiling_per_minute)}")
    api = better_api(account, cap.refresh_seconds)
    if api is not None:
        ways.append(f'api = "{api}"')
    if cap.max_domains >= 1:
        ways.append(f"≤ {cap.max_domains} domains per account")
    return tuple(ways)


def _refresh_that_fits(account: AccountConfig, cap: Capacity) -> float | None:
    """The shortest refresh (in whole minutes, up to an hour) at which the schedule's demand fits the limit,
    or None: a domain's buckets are asked at least once each as they settle, whatever the refresh."""
    n = max(1, cap.domains)
    lists = not (cap.lists_off or cap.lists_failing)
    for minutes in range(1, 61):
        demand = schedule.demand_per_minute(account, n, minutes * 60.0, lists=lists)
        if demand <= cap.limit_per_minute * (1 + _SLACK):
            return minutes * 60.0
    return None


def _fix_text(fixes: tuple[str, ...]) -> str:
    if not fixes:
        return ""
    if len(fixes) == 1:
        return f"fix: {fixes[0]}"
    joiner = ", or " if len(fixes) > 2 else " or "
    return "fix: " + ", ".join(fixes[:-1]) + joiner + fixes[-1]


def one_poll_seconds(account: AccountConfig) -> float:
    """Seconds the account's limit needs to ask every domain once (a `livetop snapshot`): its burst goes at
    once, the rest at the sustained rate. A window longer than one request of the API covers (Tencent: a day,
    Huawei: 30 days) costs more requests: the figure is then a lower bound."""
    limits = effective_limits(account)
    needed = requests_per_poll(account) * len(account.domains)
    return max(0.0, needed - limits.burst) / limits.rate_per_second


def snapshot_timeout_flag(seconds: float) -> str:
    """`livetop snapshot`'s --timeout for at least `seconds`, in its own syntax ("45s", "8m")."""
    return f"--timeout {math.ceil(seconds)}s" if seconds < 60 else f"--timeout {math.ceil(seconds / 60)}m"


def one_poll_warning(
    account: AccountConfig,
    timeout_seconds: float,
    *,
    longest: float = ONE_POLL_MAX_SECONDS,
    flag: Callable[[float], str] = snapshot_timeout_flag,
) -> str:
    """For a one-shot poll (`livetop snapshot`, `livetop check`): a line when the account's limit cannot ask
    all its domains within the run's deadline, saying how many it can at most and what to do ("" when it can
    ask them all). `flag(seconds)`: the command's option for a longer deadline, up to `longest` seconds."""
    needed = one_poll_seconds(account)
    if needed <= timeout_seconds * (1 + _SLACK):
        return ""
    limits = effective_limits(account)
    per_domain = requests_per_poll(account)
    reachable = int((limits.burst + limits.rate_per_second * timeout_seconds) // per_domain)
    n = len(account.domains)
    # A longer deadline with a tenth to spare for the answers themselves, where the command allows one.
    spare = needed * 1.1
    fix = f"{flag(spare)}, or split the account" if spare <= longest else "split the account"
    return (
        f"{account.name}: {n} domains at {format_rate(limits.rate_per_second * 60)} need "
        f"{format_interval(needed)} for one poll, longer than the {format_interval(timeout_seconds)} deadline: "
        f"at most {min(reachable, n)} will be answered, the rest reported as {DEADLINE_WORD} (fix: {fix})"
    )


# --- wording -------------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    """3 significant figures at most, no trailing zeros: 280, 6.7, 0.5, 1200."""
    if value >= 10:
        return f"{value:.0f}"
    text = f"{value:.1f}" if value >= 1 else f"{value:.2f}"
    return text.rstrip("0").rstrip(".") or "0"


def _seconds(value: float) -> str:
    """A poll's time on the wire: "850 ms", "1.2 s", "12 s"."""
    if value < 1:
        return f"{max(1, round(value * 1000))} ms"
    return f"{_number(value)} s"


def format_rate(per_minute: float) -> str:
    """A request rate as live-ops engineers read vendor limits: "280 req/min", "6000 req/min", "0.5 req/min"."""
    return f"{_number(per_minute)} req/min"


def format_interval(seconds: float) -> str:
    """How often, in the unit that reads best, rounded UP so it never promises fresher data than the limit
    allows: "45 s", "6.7 min", "12 min", "1.5 h", "3 h"."""
    whole = math.ceil(seconds - 1e-6)
    if whole < 60:
        return f"{max(1, whole)} s"
    tenths = math.ceil(seconds / 6 - 1e-6)  # minutes, in tenths
    if tenths < 100:
        return f"{_number(tenths / 10)} min"
    minutes = math.ceil(seconds / 60 - 1e-6)
    if minutes < 60:
        return f"{minutes} min"
    tenths = math.ceil(seconds / 360 - 1e-6)  # hours, in tenths
    if tenths < 100:
        return f"{_number(tenths / 10)} h"
    return f"{math.ceil(seconds / 3600 - 1e-6)} h"
