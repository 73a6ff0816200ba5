"""An incomplete account is one decoded error on each of its rows, worded per vendor: these are the exact
words a user reads (the key and the fix, never a value), pinned so that sharing the handling in
`Provider` (vendors/base.py) cannot change them. No request is sent: the error comes before any."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import httpx
import pytest

from livetop.clock import ManualClock
from livetop.config.schema import AccountConfig, Credentials, Secret
from livetop.model import VendorError
from livetop.vendors.registry import make_provider

S = "cfgSECRETvalue1234"
T0 = datetime(2026, 11, 20, 12, tzinfo=timezone.utc)
HOUR = datetime(2026, 11, 20, 11, tzinfo=timezone.utc)


def acct(vendor, api, auth, project_id=None, **creds):
    secret = ("token", "password", "access_key", "secret_key")
    c = Credentials(**{k: (Secret(v) if k in secret else v) for k, v in creds.items()})
    return AccountConfig(
        "acc", vendor, "http://127.0.0.1:9", auth, c, api=api, project_id=project_id, region="cn-north-4"
    )


CASES = {
    "huawei v1 aksk no access_key": acct("huawei", "v1", "aksk", "p0", secret_key=S),
    "huawei v1 aksk no secret_key": acct("huawei", "v1", "aksk", "p0", access_key=S),
    "huawei v1 no project_id": acct("huawei", "v1", "aksk", None, access_key=S, secret_key=S),
    "huawei v1 token missing": acct("huawei", "v1", "token", "p0"),
    "huawei v1 password no domain_name": acct("huawei", "v1", "password", "p0", username="u", password=S),
    "huawei v1 unknown auth": acct("huawei", "v1", "x", "p0"),
    "huawei v2 aksk no secret_key": acct("huawei", "v2", "aksk", "p0", access_key=S),
    "jdcloud opencdn no username": acct("jdcloud", "opencdn", "md5", secret_key=S),
    "jdcloud opencdn no secret_key": acct("jdcloud", "opencdn", "md5", username="pin"),
    "jdcloud openapi no access_key": acct("jdcloud", "openapi", "aksk", secret_key=S),
    "jdcloud openapi no secret_key": acct("jdcloud", "openapi", "aksk", access_key=S),
    "jdcloud openapi neither": acct("jdcloud", "openapi", "aksk"),
    "tencent no access_key": acct("tencent", "bill", "tc3", secret_key=S),
    "tencent no secret_key": acct("tencent", "bill", "tc3", access_key=S),
    "tencent neither": acct("tencent", "bill", "tc3"),
    "alibaba no access_key": acct("alibaba", "live", "aksk", secret_key=S),
    "alibaba no secret_key": acct("alibaba", "live", "aksk", access_key=S),
    "alibaba neither": acct("alibaba", "live", "aksk"),
}


# (code, kind, title, meaning, action)
EXPECTED = {
    "huawei v1 aksk no access_key": (
        "LIVETOP.CONFIG",
        "client",
        "no access_key in the config",
        "Account 'acc' uses Huawei aksk auth, which needs access_key.",
        "Set access_key for account 'acc' in the config.",
    ),
    "huawei v1 aksk no secret_key": (
        "LIVETOP.CONFIG",
        "client",
        "no secret_key in the config",
        "Account 'acc' uses Huawei aksk auth, which needs secret_key.",
        "Set secret_key for account 'acc' in the config.",
    ),
    "huawei v1 no project_id": (
        "LIVETOP.CONFIG",
        "client",
        "no project_id in the config",
        "Account 'acc' has no project_id; Huawei Live puts it in every request path.",
        "Set project_id for account 'acc' (IAM console -> My Credentials -> Projects).",
    ),
    "huawei v1 token missing": (
        "LIVETOP.CONFIG",
        "client",
        "no token in the config",
        "Account 'acc' uses Huawei token auth, which needs token.",
        "Set token for account 'acc' in the config.",
    ),
    "huawei v1 password no domain_name": (
        "LIVETOP.CONFIG",
        "client",
        "no domain_name in the config",
        "Account 'acc' uses Huawei password auth, which needs domain_name.",
        "Set domain_name for account 'acc' in the config.",
    ),
    "huawei v1 unknown auth": (
        "LIVETOP.CONFIG",
        "client",
        "unknown Huawei auth mode",
        "Account 'acc' has auth = 'x'; Huawei uses aksk, password or token.",
        'Set auth = "aksk", "password" or "token" for account \'acc\'.',
    ),
    "huawei v2 aksk no secret_key": (
        "LIVETOP.CONFIG",
        "client",
        "no secret_key in the config",
        "Account 'acc' uses Huawei aksk auth, which needs secret_key.",
        "Set secret_key for account 'acc' in the config.",
    ),
    "jdcloud opencdn no username": (
        "CLIENT.CREDENTIALS",
        "client",
        "credentials missing",
        "Account 'acc' has no username (the JD pin); JD signs every request with both.",
        "Add username (or username_env) to the account in the config.",
    ),
    "jdcloud opencdn no secret_key": (
        "CLIENT.CREDENTIALS",
        "client",
        "credentials missing",
        "Account 'acc' has no secret_key; JD signs every request with both.",
        "Add secret_key (or secret_key_env) to the account in the config.",
    ),
    "jdcloud openapi no access_key": (
        "LIVETOP.CONFIG",
        "client",
        "no access_key in the config",
        "Account 'acc' uses JD's OpenAPI, which signs every request with an AccessKey pair (JDCLOUD3-HMAC-SHA256).",
        "Set access_key_env for account 'acc' to the environment variables holding the pair from the JD Cloud console (Access Key management).",
    ),
    "jdcloud openapi no secret_key": (
        "LIVETOP.CONFIG",
        "client",
        "no secret_key in the config",
        "Account 'acc' uses JD's OpenAPI, which signs every request with an AccessKey pair (JDCLOUD3-HMAC-SHA256).",
        "Set secret_key_env for account 'acc' to the environment variables holding the pair from the JD Cloud console (Access Key management).",
    ),
    "jdcloud openapi neither": (
        "LIVETOP.CONFIG",
        "client",
        "no access_key and secret_key in the config",
        "Account 'acc' uses JD's OpenAPI, which signs every request with an AccessKey pair (JDCLOUD3-HMAC-SHA256).",
        "Set access_key_env and secret_key_env for account 'acc' to the environment variables holding the pair from the JD Cloud console (Access Key management).",
    ),
    "tencent no access_key": (
        "LIVETOP.CONFIG",
        "client",
        "credentials missing",
        "Account 'acc' has no access_key (SecretId); Tencent signs every request with the SecretId and SecretKey.",
        "Set access_key_env and secret_key_env for the account to the variables holding them.",
    ),
    "tencent no secret_key": (
        "LIVETOP.CONFIG",
        "client",
        "credentials missing",
        "Account 'acc' has no secret_key; Tencent signs every request with the SecretId and SecretKey.",
        "Set access_key_env and secret_key_env for the account to the variables holding them.",
    ),
    "tencent neither": (
        "LIVETOP.CONFIG",
        "client",
        "credentials missing",
        "Account 'acc' has no access_key (SecretId) and no secret_key; Tencent signs every request with the SecretId and SecretKey.",
        "Set access_key_env and secret_key_env for the account to the variables holding them.",
    ),
    "alibaba no access_key": (
        "CLIENT.CREDENTIALS",
        "client",
        "credentials missing",
        "Account 'acc' has no access_key (the AccessKey ID); Alibaba signs every request with both.",
        "Set access_key_env to the environment variable holding it.",
    ),
    "alibaba no secret_key": (
        "CLIENT.CREDENTIALS",
        "client",
        "credentials missing",
        "Account 'acc' has no secret_key (the AccessKey secret); Alibaba signs every request with both.",
        "Set secret_key_env to the environment variable holding it.",
    ),
    "alibaba neither": (
        "CLIENT.CREDENTIALS",
        "client",
        "credentials missing",
        "Account 'acc' has no access_key (the AccessKey ID); Alibaba signs every request with both.",
        "Set access_key_env to the environment variable holding it.",
    ),
}


async def _fetch_error(account: AccountConfig) -> VendorError:
    async with httpx.AsyncClient() as client:
        provider = make_provider(account, client, ManualClock(T0))
        errors = []
        for _ in range(2):  # every fetch, not only the first
            with pytest.raises(VendorError) as caught:
                await provider.fetch("play.example.com", HOUR, T0)
            errors.append(caught.value)
        assert errors[0] is not errors[1] and errors[0].error == errors[1].error
        return errors[0]


@pytest.mark.parametrize("case", list(CASES))
def test_an_incomplete_account_reads_as_it_always_has(case):
    error = asyncio.run(_fetch_error(CASES[case])).error
    assert (error.code, error.kind, error.title, error.meaning, error.action) == EXPECTED[case]
    assert S not in json.dumps(error.as_dict())
    assert error.retryable is False


@pytest.mark.parametrize("api", ["opencdn", "openapi"])
def test_a_time_without_a_zone_is_a_decoded_error_on_both_jd_apis(api):
    account = acct(
        "jdcloud", api, "md5" if api == "opencdn" else "aksk", username="pin", access_key=S, secret_key=S
    )

    async def fetch() -> VendorError:
        async with httpx.AsyncClient() as client:
            provider = make_provider(account, client, ManualClock(T0))
            with pytest.raises(VendorError) as caught:
                await provider.fetch("play.example.com", HOUR.replace(tzinfo=None), T0)
            return caught.value

    error = asyncio.run(fetch()).error
    assert (error.code, error.kind, error.title, error.meaning, error.action) == (
        "CLIENT.NAIVE_TIME",
        "client",
        "time without a zone",
        "A time was given without a timezone: is it UTC or Beijing time?",
        "Give times with an offset or a trailing Z (UTC).",
    )
