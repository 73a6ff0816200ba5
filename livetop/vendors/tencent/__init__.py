"""Tencent Cloud Live (CSS): DescribeBillBandwidthAndFluxList, signed with TC3-HMAC-SHA256."""

VENDOR_TENCENT = "tencent"
