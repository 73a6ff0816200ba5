"""Tencent Cloud Live (CSS), declared for the registry (light: no httpx). Sources: shared/vendors.md §D, §E,
and tencentcloud-sdk-python-live 3.1.195 (cited where each rule is implemented)."""

from __future__ import annotations

from livetop.vendors.spec import AccountKey, ApiSpec, AuthMode, Starter, VendorSpec

NAME = "tencent"

# The official SDK's EnvironmentVariableCredential reads these (tencentcloud/common/credential.py), so users
# who have them set for tccli or the SDK need nothing new.
SECRET_ID_ENV = "TENCENTCLOUD_SECRET_ID"
SECRET_KEY_ENV = "TENCENTCLOUD_SECRET_KEY"

AUTH_TC3 = AuthMode(
    "tc3", ("access_key", "secret_key"), title="SecretId (access_key) / SecretKey signing, TC3-HMAC-SHA256"
)

BILL = ApiSpec(
    name="bill",
    title="DescribeBillBandwidthAndFluxList (billing bandwidth and traffic, 5-minute points)",
    provider="livetop.vendors.tencent.client:TencentProvider",
    auth_modes=(AUTH_TC3,),
    default_auth="tc3",
    keys=(
        # Sent as X-TC-Region when given; this API needs none ("Region: 否", the API page).
        AccountKey("region", "region", fix='leave it out (this API needs none), or e.g. "ap-guangzhou"'),
        # The API states Mbps and MB without a base; Tencent's billing guide converts 1024-based
        # (livetop/vendors/tencent/parse.py has the sources).
        AccountKey("unit_base", "int", choices=(1000, 1024), default=1024,
                   fix="use 1024 (the default, as Tencent's billing guide converts) or 1000"),  # fmt: skip
    ),
    default_endpoint="https://live.tencentcloudapi.com",
    # Always Granularity 5 (timerules.py): windows over a day are split, never coarsened.
    step_minutes=(),
    fixed_step_minutes=5,
    # "A maximum of 100 requests can be initiated per second for this API" (vendors.md §E, API page 36098);
    # over it Tencent answers RequestLimitExceeded (HTTP 200).
    rate_per_second=100.0,
    concurrency=8,
    requests_per_poll=1,  # one answer holds both metrics (client.py)
    rate_source="vendors.md §E: DescribeBillBandwidthAndFluxList 100 requests/s",
    # Tencent's statistics need ~6 min before a 5-minute point stops changing: tencentcloud-exporter
    # (operations.md §4, issue #93) needs delay_seconds ≈ 6 min; DescribeStreamPlayInfoList states ~4 min
    # lag for its 1-minute points (vendors.md §D).
    settle_seconds=360,
    settle_source="operations.md §4: tencentcloud-exporter needs ~6 min delay for Tencent CDN/live data",
    update_seconds=60,
    update_source="assumed: no cadence published for the billing list; Tencent's finest is 1-minute "
    "(DescribePlayInfoList, ~4 min lag, vendors.md §D)",
    lookback_seconds=3 * 365 * 86400,
    lookback_source="Tencent DescribeBillBandwidthAndFluxList: 支持最近3年的数据查询 (the last 3 years; 365-day "
    "years, the shortest reading)",
    data_note="Tencent billing data (DescribeBillBandwidthAndFluxList): 5-minute points, bandwidth as "
    "billed; a window over a day is fetched one day per request at 5-minute granularity, never coarser.",
    starters=(
        Starter(
            {
                "name": "tc-live",
                "vendor": NAME,
                "access_key_env": SECRET_ID_ENV,
                "secret_key_env": SECRET_KEY_ENV,
                "domains": ["play.example.org"],
            },
            "Tencent Cloud Live (CSS), DescribeBillBandwidthAndFluxList: 5-minute billing points.\n"
            "access_key is the SecretId (AKID...), secret_key the SecretKey (CAM console > API keys); both\n"
            "from the environment. endpoint defaults to https://live.tencentcloudapi.com.\n"
            "unit_base: 1024 (default) or 1000 for Tencent's Mbps/MB.",
            active=True,
            env=(SECRET_ID_ENV, SECRET_KEY_ENV),
        ),
    ),
)

SPEC = VendorSpec(
    name=NAME,
    short="TC",
    display="Tencent Cloud",
    apis=(BILL,),
    default_api="bill",
    init_api="bill",
    error_reader="livetop.vendors.tencent.errors:read_error",
)
