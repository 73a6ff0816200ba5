"""JD Cloud live CDN, declared for the registry (light: no httpx). Sources: shared/vendors.md §C, §E."""

from __future__ import annotations

from livetop.vendors.spec import AccountKey, ApiSpec, AuthMode, Starter, VendorSpec

NAME = "jdcloud"

OPENCDN_SECRET_ENV = "JDCLOUD_OPENCDN_SECRET_KEY"

AUTH_MD5 = AuthMode(
    "md5", ("secret_key",), (("username", "the JD pin"),), title="MD5(yyyymmdd + pin + SecretKey) in the body"
)

OPENCDN = ApiSpec(
    name="opencdn",
    title="opencdn bandwidth_flow (legacy JSON API, MD5 body signature)",
    provider="livetop.vendors.jdcloud.client:JdcloudProvider",
    auth_modes=(AUTH_MD5,),
    default_auth="md5",
    keys=(AccountKey("unit_base", "int", choices=(1000, 1024), default=1000,
                     fix="use 1000 (the default, as JD bills) or 1024"),),  # fmt: skip
    default_endpoint="https://opencdn.jcloud.com",
    # bandwidth_flow always answers 5-minute points, whatever step the config asks for.
    step_minutes=(),
    fixed_step_minutes=5,
    # JD publishes no numeric limit (vendors.md §E); throttling shows as HTTP 429 RATE_LIMIT. 10/s is a
    # conservative guess the engine halves on the first 429.
    rate_per_second=10.0,
    concurrency=8,
    rate_source="vendors.md §E: no numeric limit published for JD opencdn; 10/s is livetop's guess",
    settle_seconds=600,
    settle_source="no figure published for opencdn; livetop's long-standing 10 min",
    starters=(
        Starter(
            {
                "name": "jd-main",
                "vendor": NAME,
                "username": "REPLACE-WITH-JD-PIN",
                "secret_key_env": OPENCDN_SECRET_ENV,
                "domains": ["play.example.net"],
            },
            "JD Cloud live CDN (opencdn API). username is the JD pin; the secret is the opencdn SecretKey.\n"
            "endpoint defaults to https://opencdn.jcloud.com. unit_base: 1000 (default) or 1024 for Mbps/MB.",
            active=True,
            env=(OPENCDN_SECRET_ENV,),
        ),
    ),
)

SPEC = VendorSpec(
    name=NAME,
    short="JD",
    display="JD Cloud",
    apis=(OPENCDN,),
    default_api="opencdn",
    init_api="opencdn",
    error_reader="livetop.vendors.jdcloud.errors:read_error",
)
