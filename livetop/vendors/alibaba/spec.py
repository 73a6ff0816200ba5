"""Alibaba Cloud ApsaraVideo Live, declared for the registry (light: no httpx). Sources: shared/vendors.md §D,
§E; the API pages https://help.aliyun.com/document_detail/67406.html (bandwidth), …/67409.html (traffic)."""

from __future__ import annotations

from livetop.vendors.spec import ApiSpec, AuthMode, Starter, VendorSpec

NAME = "alibaba"

# The official SDKs and CLI read the AccessKey from these variables, so users who have them set need nothing
# new (alibabacloud_tea_openapi's InvalidCredentials message names them).
AK_ENV = "ALIBABA_CLOUD_ACCESS_KEY_ID"
SK_ENV = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"

AUTH_AKSK = AuthMode(
    "aksk", ("access_key", "secret_key"), title="AccessKey ID and secret (ACS3-HMAC-SHA256 signing)"
)

LIVE = ApiSpec(
    name="live",
    title="ApsaraVideo Live 2016-11-01 DescribeLiveDomainBpsData / DescribeLiveDomainTrafficData",
    provider="livetop.vendors.alibaba.client:AlibabaProvider",
    auth_modes=(AUTH_AKSK,),
    default_auth="aksk",
    # Every region's SDK endpoint map says live.aliyuncs.com (alibabacloud_live20161101/client.py).
    default_endpoint="https://live.aliyuncs.com",
    # Interval 300, 3600 or 86400 seconds.
    step_minutes=(5, 60, 1440),
    # 100 calls per second per account for each of the two APIs (the API pages' QPS limit, vendors.md §E);
    # over it the gateway answers Throttling.
    rate_per_second=100.0,
    concurrency=8,
    rate_source="vendors.md §E: DescribeLiveDomainBpsData / TrafficData 100 QPS per account",
    # 5-minute points arrive ~15 minutes late (the CDN twin's table; the Live pages state none).
    settle_seconds=15 * 60,
    settle_source="operations.md §5: Alibaba CDN DescribeDomainBpsData, 5-minute points, 15 min delay",
    update_seconds=60,
    update_source="assumed: no cadence published; taken as once a minute like the other vendors' finest data",
    # The API pages: 本接口为监控数据接口，数据采集处理方式不同于计费，不能用于计算用量进行对账参考.
    lookback_seconds=90 * 86400,
    lookback_source="vendors.md §D: 90-day look-back (InvalidStartTime.ValueNotSupported beyond)",
    data_note="Alibaba monitoring data, not billing data (its API pages say not to reconcile bills with it): "
    "5-minute points are averages, hourly and daily points the peak of their 5-minute averages; a long window is "
    "split into requests Alibaba answers at the account's step (3 days each at 5 minutes), never coarsened.",
    starters=(
        Starter(
            {
                "name": "ali-live",
                "vendor": NAME,
                "access_key_env": AK_ENV,
                "secret_key_env": SK_ENV,
                "domains": ["play.example.cn"],
            },
            "Alibaba Cloud ApsaraVideo Live, signed with an AccessKey (a RAM user with\n"
            "AliyunLiveReadOnlyAccess is enough). endpoint defaults to https://live.aliyuncs.com.\n"
            "step_minutes: 5 (default), 60 or 1440. Its figures are monitoring data, not billing data.",
            active=True,
            env=(AK_ENV, SK_ENV),
        ),
    ),
)

SPEC = VendorSpec(
    name=NAME,
    short="AL",
    display="Alibaba Cloud",
    apis=(LIVE,),
    default_api="live",
    init_api="live",
    error_reader="livetop.vendors.alibaba.errors:read_error",
)
