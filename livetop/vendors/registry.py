"""The vendor registry: ONE line per vendor, mapping its name to its light spec module.

Everything that needs to know about vendors (the config loader, `livetop init`, `livetop query`, the limits,
the error decoder, the UI's vendor marks, the engine's provider factory) asks here, so adding a vendor is a
new subpackage with a `spec.py` (see `livetop.vendors.spec`) plus one line below. Spec modules are imported
on first use and import neither httpx nor Textual; a provider class is imported only when an account uses
its API.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from livetop.vendors.spec import ApiSpec, VendorSpec

if TYPE_CHECKING:
    import httpx

    from livetop.clock import Clock
    from livetop.config.schema import AccountConfig
    from livetop.vendors.base import Pacer, Provider

VENDOR_SPECS = {
    "huawei": "livetop.vendors.huawei.spec",
    "jdcloud": "livetop.vendors.jdcloud.spec",
    "tencent": "livetop.vendors.tencent.spec",
    "alibaba": "livetop.vendors.alibaba.spec",
}


def vendor_names() -> tuple[str, ...]:
    return tuple(VENDOR_SPECS)


@cache
def vendor_spec(name: str) -> VendorSpec:
    """The spec of vendor `name`; KeyError for a vendor livetop does not know."""
    module = importlib.import_module(VENDOR_SPECS[name])
    spec = module.SPEC
    if spec.name != name:
        raise RuntimeError(f"{VENDOR_SPECS[name]} declares vendor {spec.name!r}, registered as {name!r}")
    return spec


def all_specs() -> tuple[VendorSpec, ...]:
    return tuple(vendor_spec(name) for name in VENDOR_SPECS)


def api_spec(vendor: str, api: str | None = None) -> ApiSpec:
    """The spec of `vendor`'s API `api` (None: the vendor's default). KeyError when either is unknown."""
    found = vendor_spec(vendor).api(api)
    if found is None:
        raise KeyError(f"vendor {vendor!r} has no API {api!r}")
    return found


def account_api(account: AccountConfig) -> ApiSpec:
    """The spec of the API this account uses."""
    return api_spec(account.vendor, account.api or None)


def api_note(account: AccountConfig) -> str:
    """Which API the account uses, for its total line ("api v2"): "" when its vendor has only one."""
    try:
        vendor = vendor_spec(account.vendor)
    except KeyError:
        return ""
    return f"api {account_api(account).name}" if len(vendor.apis) > 1 else ""


def vendor_mark(vendor: str | None) -> str:
    """The short mark shown on screen ("HW"); an unregistered name shows its first two letters."""
    if not vendor:
        return ""
    try:
        return vendor_spec(vendor).short
    except KeyError:
        return vendor[:2].upper()


def vendor_display(vendor: str) -> str:
    """The vendor's name for people ("Huawei Cloud"); an unregistered name as is."""
    try:
        return vendor_spec(vendor).display
    except KeyError:
        return vendor


def load_object(path: str):
    """Import "package.module:attribute"."""
    module, _, attribute = path.partition(":")
    return getattr(importlib.import_module(module), attribute)


def provider_class(vendor: str, api: str | None = None) -> type[Provider]:
    return load_object(api_spec(vendor, api).provider)


def make_provider(
    account: AccountConfig, client: httpx.AsyncClient, clock: Clock, pacer: Pacer | None = None
) -> Provider:
    """A provider for `account` on its pooled `client`, of the class its API declares."""
    try:
        cls = provider_class(account.vendor, account.api or None)
    except KeyError:
        # The config loader rejects unknown vendors and APIs; reaching here is a livetop bug.
        raise ValueError(f"no provider for vendor {account.vendor!r} api {account.api!r}") from None
    return cls(account, client, clock, pacer)
