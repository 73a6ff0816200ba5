"""Huawei Cloud Live, declared for the registry (light: no httpx). Sources: shared/vendors.md §A, §B, §E."""

from __future__ import annotations

from livetop.vendors.spec import AccountKey, ApiSpec, AuthMode, Starter, VendorSpec

NAME = "huawei"

# Huawei's own SDKs read the AK/SK from these variables, so users who have them set need nothing new.
AK_ENV = "HUAWEICLOUD_SDK_AK"
SK_ENV = "HUAWEICLOUD_SDK_SK"
PASSWORD_ENV = "HUAWEICLOUD_IAM_PASSWORD"

AUTH_AKSK = AuthMode("aksk", ("access_key", "secret_key"), title="AK/SK signing (SDK-HMAC-SHA256)")
AUTH_PASSWORD = AuthMode(
    "password",
    ("password",),
    (("username", "the IAM user's name"), ("domain_name", "the account name that owns the IAM user")),
    title="an IAM user's password (livetop fetches and renews the project-scoped token)",
)
AUTH_TOKEN = AuthMode("token", ("token",), title="an IAM token given in the config (lasts 24 h)")

KEYS = (
    AccountKey("region", "region", fix='use the id from the console, e.g. "cn-north-4"'),
    AccountKey(
        "project_id",
        required=True,
        fix="add project_id: the console's My Credentials page lists it per region",
    ),
    AccountKey(
        "iam_endpoint",
        "url",
        what="an IAM endpoint",
        template="https://iam.{region}.myhuaweicloud.com",
        derive_for_auth=("password",),
        fix='add region = "cn-north-4", or iam_endpoint = "https://iam.REGION.myhuaweicloud.com"',
    ),
)
DEFAULT_ENDPOINT = "https://live.{region}.myhuaweicloud.com"
ENDPOINT_FIX = 'add region = "cn-north-4" (yours), or endpoint = "https://live.REGION.myhuaweicloud.com"'

_HW_PROD = {
    "name": "hw-prod",
    "vendor": NAME,
    "region": "cn-north-4",
    "project_id": "REPLACE-WITH-PROJECT-ID",
    "auth": "aksk",
    "access_key_env": AK_ENV,
    "secret_key_env": SK_ENV,
    "step_minutes": 5,
    "domains": ["play.example.com", {"name": "live.example.com", "label": "Main event"}],
}
_HW_LEGACY_V1 = {
    "name": "hw-legacy",
    "vendor": NAME,
    "region": "cn-north-4",
    "project_id": "REPLACE-WITH-PROJECT-ID",
    "auth": "aksk",
    "access_key_env": AK_ENV,
    "secret_key_env": SK_ENV,
    "step_minutes": 5,
    "domains": ["play-old.example.com"],
}
_HW_INTL_PASSWORD = {
    "name": "hw-intl",
    "vendor": NAME,
    "region": "ap-southeast-3",
    "project_id": "REPLACE-WITH-PROJECT-ID",
    "auth": "password",
    "username": "REPLACE-WITH-IAM-USER",
    "domain_name": "REPLACE-WITH-ACCOUNT-NAME",
    "password_env": PASSWORD_ENV,
    "domains": ["play-sg.example.com"],
}

V1 = ApiSpec(
    name="v1",
    title="Live v1 stream statistics (legacy: domains on the old live platform)",
    provider="livetop.vendors.huawei.client:HuaweiProvider",
    auth_modes=(AUTH_AKSK, AUTH_PASSWORD, AUTH_TOKEN),
    default_auth="aksk",
    keys=KEYS,
    default_endpoint=DEFAULT_ENDPOINT,
    endpoint_fix=ENDPOINT_FIX,
    # Steps the v1 statistics API accepts (anything else is 400 LIVE.100011001).
    step_minutes=(1, 5, 15, 30, 60, 240, 1440),
    # 300 requests/min per user (HW-docs-2021 使用前必读.md); over it the gateway answers 429 APIGW.0308.
    # The limit is per minute, so a start-up burst of 20 is allowed as long as burst + 60 s x rate stays
    # within it: a small account's first poll goes out at once and no minute holds more than 300 requests.
    rate_per_second=300 / 60,
    burst=20.0,
    limit_window_seconds=60.0,
    # No concurrency number is published; 8 keeps a thousand-domain account moving without tripping the
    # internal cap (LIVE.100011007, HTTP 500).
    concurrency=8,
    rate_source="vendors.md §E: Huawei Live v1 stream/bandwidth, stream/traffic 300/min per user",
    # Huawei publishes no latency for v1; its v2 traffic summary states ≈10 min (vendors.md §A3), which is
    # the figure livetop has always used for both.
    settle_seconds=600,
    settle_source="vendors.md §A3: traffic summary data lag ≈10 min (no v1 figure is published)",
    update_seconds=60,
    update_source="assumed: no cadence is published for the 5-minute statistics; Huawei's finest are 1-minute "
    "(v2 stats/stream/play-info, vendors.md §A3), so the newest bucket is taken to change once a minute",
    lookback_seconds=90 * 86400,
    lookback_source="vendors.md §A2: v1 stream/bandwidth and stream/traffic answer the last 3 months",
    bandwidth_figure="peak",  # bw_bps is the peak of the period (vendors.md §A, v1 response)
    starters=(
        Starter(
            _HW_LEGACY_V1,
            'Huawei Cloud Live, legacy v1 API (api = "v1"): only domains on the OLD live platform answer it.\n'
            "An account without an api key is v1. A v1 account answering LIVE.100011006 or LIVE.100011008\n"
            'watches domains on the current platform: set api = "v2". step_minutes: 1, 5, 15, 30, 60,\n'
            "240 or 1440.",
            env=(AK_ENV, SK_ENV),
        ),
    ),
)

V2 = ApiSpec(
    name="v2",
    title="Live v2 statistics (current live platform)",
    provider="livetop.vendors.huawei.v2_client:HuaweiV2Provider",
    auth_modes=(AUTH_AKSK, AUTH_PASSWORD, AUTH_TOKEN),
    default_auth="aksk",
    keys=KEYS,
    default_endpoint=DEFAULT_ENDPOINT,
    endpoint_fix=ENDPOINT_FIX,
    # interval 300, 3600 or 86400 s (vendors.md §A3).
    step_minutes=(5, 60, 1440),
    # Per API and user (vendors.md §E, latest table): bandwidth/detail 100/s, traffic/detail 20/s,
    # bandwidth/peak 20/s, traffic/summary 20/s. Every domain poll calls traffic/detail, so the account
    # paces all its requests at the tightest of them; a 429 APIGW.0308 halves it (the 2021/2024 tables
    # said 20/min: if that is still what a region enforces, the engine slows down to it).
    rate_per_second=20.0,
    burst=20.0,
    concurrency=8,
    rate_source="vendors.md §E: ListDomainTrafficDetail 20/s per user (ListBandwidthDetail 100/s)",
    settle_seconds=600,
    settle_source="vendors.md §A3: ListDomainTrafficSummary data lag ≈10 min (no detail figure published)",
    update_seconds=60,
    update_source="assumed: no cadence is published for detail/peak/summary; the finest v2 statistics are "
    "1-minute (stats/stream/play-info, stats/httpcodes; vendors.md §A3)",
    lookback_seconds=365 * 86400,
    lookback_source="vendors.md §A3: v2 statistics look back 1 year (HW-docs-2021 said 90 days)",
    starters=(
        Starter(
            _HW_PROD,
            'Huawei Cloud Live, v2 statistics API (api = "v2", for domains on the current live platform),\n'
            "AK/SK signing. Required: project_id (console > My Credentials > Projects, per region).\n"
            "endpoint defaults to https://live.REGION.myhuaweicloud.com. step_minutes: 5, 60 or 1440.",
            active=True,
            env=(AK_ENV, SK_ENV),
        ),
        Starter(
            _HW_INTL_PASSWORD,
            "Huawei Cloud Live with an IAM user's password (livetop fetches and renews the token itself).\n"
            'iam_endpoint defaults to https://iam.REGION.myhuaweicloud.com. auth = "token" with token_env\n'
            "also works.",
            env=(PASSWORD_ENV,),
        ),
    ),
)

SPEC = VendorSpec(
    name=NAME,
    short="HW",
    display="Huawei Cloud",
    apis=(V1, V2),
    # Configs written before v2 existed have no api key and keep v1; `livetop init` writes v2.
    default_api="v1",
    init_api="v2",
    error_reader="livetop.vendors.huawei.errors:read_error",
)
