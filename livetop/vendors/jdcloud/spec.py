"""JD Cloud live CDN, declared for the registry (light: no httpx). Sources: shared/vendors.md §C, §E."""

from __future__ import annotations

from livetop.vendors.spec import AccountKey, ApiSpec, AuthMode, Starter, VendorSpec

NAME = "jdcloud"

OPENCDN_SECRET_ENV = "JDCLOUD_OPENCDN_SECRET_KEY"
# The variables JD's own tooling (the Terraform provider) reads the AccessKey pair from.
OPENAPI_AK_ENV = "JDCLOUD_ACCESS_KEY"
OPENAPI_SK_ENV = "JDCLOUD_SECRET_KEY"

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
    requests_per_poll=1,  # bandwidth_flow answers both metrics in one call (client.py)
    rate_source="vendors.md §E: no numeric limit published for JD opencdn; 10/s is livetop's guess",
    settle_seconds=600,
    settle_source="no figure published for opencdn; livetop's long-standing 10 min",
    update_seconds=60,
    update_source="assumed: no cadence published; JD's finest live data is 1-minute (queryStreamData, "
    "vendors.md §C1)",
    lookback_seconds=90 * 86400,
    lookback_source="not published for bandwidth_flow (vendors.md §C1): livetop's own bound",
    starters=(
        Starter(
            {
                "name": "jd-main",
                "vendor": NAME,
                "api": "opencdn",
                "username": "REPLACE-WITH-JD-PIN",
                "secret_key_env": OPENCDN_SECRET_ENV,
                "domains": ["play.example.net"],
            },
            'JD Cloud live CDN, legacy opencdn API (api = "opencdn", the default for an account without `api`).\n'
            "username is the JD pin; the secret is the opencdn SecretKey.\n"
            "endpoint defaults to https://opencdn.jcloud.com. unit_base: 1000 (default) or 1024 for Mbps/MB.",
            env=(OPENCDN_SECRET_ENV,),
        ),
    ),
)

AUTH_JDCLOUD3 = AuthMode(
    "aksk", ("access_key", "secret_key"), title="an AccessKey pair, JDCLOUD3-HMAC-SHA256 request signing"
)

OPENAPI = ApiSpec(
    name="openapi",
    title="OpenAPI live statistics (current; AccessKey pair, JDCLOUD3 signing)",
    provider="livetop.vendors.jdcloud.openapi_client:JdcloudOpenApiProvider",
    auth_modes=(AUTH_JDCLOUD3,),
    default_auth="aksk",
    default_endpoint="https://live.jdcloud-api.com",
    # JD's `period`: oneMin, fiveMin, halfHour, hour, twoHour, sixHour, day (openapi_timerules.PERIODS).
    step_minutes=(1, 5, 30, 60, 120, 360, 1440),
    default_step_minutes=5,
    # JD publishes no numeric limit for the OpenAPI either (vendors.md §E); throttling is HTTP 429 RATE_LIMIT
    # or QUOTA_EXCEEDED, which the engine backs off from. A domain's poll is two calls (one per metric).
    rate_per_second=10.0,
    concurrency=8,
    rate_source="vendors.md §E: no numeric limit published for the JD OpenAPI; 10/s is livetop's guess",
    settle_seconds=600,
    settle_source="no figure published for JD's live statistics; livetop's 10 min, as for opencdn",
    update_seconds=60,
    update_source="assumed: no cadence published; the API serves 1-minute points (step 1), so a bucket "
    "changes at most once a minute",
    # 查询某个时间段内的带宽数据（平均带宽）: the SDK's DescribeLiveStreamBandwidthDataRequest docstring.
    lookback_seconds=90 * 86400,
    lookback_source="not published for the JD OpenAPI (vendors.md §C2): livetop's own bound, as for opencdn",
    bandwidth_point="average",
    starters=(
        Starter(
            {
                "name": "jd-live",
                "vendor": NAME,
                "api": "openapi",
                "access_key_env": OPENAPI_AK_ENV,
                "secret_key_env": OPENAPI_SK_ENV,
                "domains": ["play.example.cn"],
            },
            "JD Cloud live (OpenAPI, current). The AccessKey pair comes from the JD Cloud console (Access Key\n"
            "management). endpoint defaults to https://live.jdcloud-api.com. Bandwidth is each period's\n"
            "AVERAGE (Huawei's is a peak). step_minutes: 1, 5, 30, 60, 120, 360 or 1440.",
            active=True,
            env=(OPENAPI_AK_ENV, OPENAPI_SK_ENV),
        ),
    ),
)

SPEC = VendorSpec(
    name=NAME,
    short="JD",
    display="JD Cloud",
    apis=(OPENCDN, OPENAPI),
    # Configs written before the OpenAPI was supported have no `api`: they keep opencdn.
    default_api="opencdn",
    init_api="openapi",
    error_reader="livetop.vendors.jdcloud.errors:read_error",
)
