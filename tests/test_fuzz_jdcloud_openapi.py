"""Properties of the JD OpenAPI pieces that are not parsers (those are in tests/fuzz_targets.py): the time
rules always plan requests JD accepts and that cover the asked range, and the JDCLOUD3 signer computes, for
any path, query, header value and key, exactly what the official jdcloud-sdk signer computes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fuzzgen import check_instant, fuzz_settings
from hypothesis import given
from hypothesis import strategies as st

from livetop.model import VendorError, ceil_to
from livetop.vendors.jdcloud import jdcloud3
from livetop.vendors.jdcloud import openapi_timerules as rules
from livetop.vendors.jdcloud.openapi_parse import parse_point_time

ZONES = st.sampled_from([timezone.utc, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12))])
ANY_TIME = st.datetimes(timezones=ZONES) | st.sampled_from([
    datetime.min.replace(tzinfo=timezone.utc), datetime.max.replace(tzinfo=timezone.utc),
])  # fmt: skip
NOW = st.datetimes(datetime(1971, 1, 1), datetime(2200, 1, 1), timezones=st.just(timezone.utc))
STEPS = st.sampled_from([*rules.STEP_MINUTES, 0, 2, 15, 10**9])


@fuzz_settings()
@given(ANY_TIME | st.none(), ANY_TIME | st.none(), NOW, STEPS)
def test_plans_stay_inside_jd_rules_and_cover_the_range(start, end, now, step_minutes):
    try:
        plan = rules.plan_range(start, end, now, step_minutes)
    except VendorError as exc:
        assert exc.error.kind == "client"
        return
    step = step_minutes * 60
    span = rules.max_span(plan.period)
    for low, high in plan.requests:
        check_instant(low, step)
        check_instant(high)
        assert low < high and high - low <= span
        assert low >= now - rules.LOOKBACK - timedelta(seconds=step)
        assert high <= now + timedelta(seconds=1)
        assert parse_point_time(rules.iso_utc(low)) == low  # the wire form reads back
    for (_, high), (low, _) in zip(plan.requests, plan.requests[1:]):
        assert high == low  # contiguous: no bucket falls between two requests
    if plan.requests:
        assert plan.requests[0][0] == ceil_to(plan.start, step)
        assert plan.requests[-1][1] >= plan.end
        assert len(plan.requests) <= 13  # 90 days of look-back, at worst in 7-day requests


SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
PATH = SAFE_TEXT | st.from_regex(r"\A(/[A-Za-z0-9%+~._ -]{0,12}){0,5}/?\Z")
QUERY = SAFE_TEXT | st.from_regex(r"\A([A-Za-z0-9%+=~ ]{0,8}&?){0,6}\Z")


@fuzz_settings()
@given(PATH, QUERY, SAFE_TEXT, SAFE_TEXT, st.sampled_from(["GET", "POST"]), SAFE_TEXT)
def test_signing_matches_the_official_sdk(path, query, nonce, secret, method, body):
    from jdcloud_sdk.core.credential import Credential
    from jdcloud_sdk.core.logger import Logger
    from jdcloud_sdk.core.signer import Signer

    date = "20261120T120000Z"
    headers = {"x-jdcloud-date": date, "x-jdcloud-nonce": nonce, "content-type": "application/json"}
    sdk_headers = dict(headers)
    Signer(Logger(0)).signV3(
        method=method, service="live", region="jdcloud-api", host="live.jdcloud-api.com", path=path,
        query=query, headers=sdk_headers, data=body, credential=Credential("AK", secret), security_token="",
    )  # fmt: skip
    ours = jdcloud3.sign(access_key="AK", secret_key=secret, method=method, host="live.jdcloud-api.com",
                         path=path, query=query, headers=headers, jdcloud_date=date, region="jdcloud-api",
                         service="live", body=body)  # fmt: skip
    assert ours.authorization == sdk_headers["Authorization"]
    assert ours.payload_hash == sdk_headers["x-jdcloud-content-sha256"]


@fuzz_settings()
@given(st.dictionaries(SAFE_TEXT, SAFE_TEXT, max_size=6))
def test_dict_queries_canonicalise_as_the_sdk_does(query):
    from jdcloud_sdk.core.logger import Logger
    from jdcloud_sdk.core.signer import Signer

    official = Signer(Logger(0))._Signer__normalize_query_string(query)
    assert jdcloud3.canonical_query(query) == official
