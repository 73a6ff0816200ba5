"""Build the provider for an account: the one place that maps a vendor name to its client class."""

from __future__ import annotations

import httpx

from livetop.clock import Clock
from livetop.config.schema import AccountConfig
from livetop.model import VENDOR_HUAWEI, VENDOR_JDCLOUD
from livetop.vendors.base import Pacer, Provider


def make_provider(
    account: AccountConfig, client: httpx.AsyncClient, clock: Clock, pacer: Pacer | None = None
) -> Provider:
    """A provider for `account` on its pooled `client`. Vendor modules are imported lazily: a JD-only config
    never loads the Huawei signer, and vice versa."""
    if account.vendor == VENDOR_HUAWEI:
        from livetop.vendors.huawei.client import HuaweiProvider

        return HuaweiProvider(account, client, clock, pacer)
    if account.vendor == VENDOR_JDCLOUD:
        from livetop.vendors.jdcloud.client import JdcloudProvider

        return JdcloudProvider(account, client, clock, pacer)
    # The config loader rejects unknown vendors; reaching here is a livetop bug.
    raise ValueError(f"no provider for vendor {account.vendor!r}")
