"""The simulator's one table: every vendor API module (and shared vendor service) it serves.

Adding a vendor API is a new module defining `SIM = SimApi(...)` (see `livetop.sim.context`) and one line
here. Order matters only where two routes could match one request: the first wins.
"""

from __future__ import annotations

import importlib
from functools import cache

from livetop.sim.context import SimApi

SIM_APIS = (
    "livetop.sim.iam",  # huawei IAM tokens (shared by every Huawei API)
    "livetop.sim.huawei",  # huawei v1
    "livetop.sim.huawei_v2",  # huawei v2
    "livetop.sim.jdcloud",  # jdcloud opencdn
    "livetop.sim.jdcloud_openapi",  # jdcloud openapi
    "livetop.sim.tencent",  # tencent bill (API 3.0 on "/": told apart by its X-TC-Action header)
    "livetop.sim.alibaba",  # alibaba live (RPC: POST / with x-acs-action)
)
# Answers a request no route matches (an API gateway's 404).
NOT_FOUND = "livetop.sim.huawei_gateway:api_not_found"


@cache
def sim_apis() -> tuple[SimApi, ...]:
    return tuple(importlib.import_module(name).SIM for name in SIM_APIS)


def sim_api(vendor: str, api: str) -> SimApi | None:
    return next((s for s in sim_apis() if s.vendor == vendor and s.api == api), None)


def sim_vendors() -> tuple[str, ...]:
    """Vendors with at least one simulated API, in table order."""
    out: list[str] = []
    for s in sim_apis():
        if s.api is not None and s.vendor not in out:
            out.append(s.vendor)
    return tuple(out)


def vendor_sim_apis(vendor: str) -> tuple[str, ...]:
    return tuple(s.api for s in sim_apis() if s.vendor == vendor and s.api is not None)


def not_found(request_id: str):
    module, _, name = NOT_FOUND.partition(":")
    return getattr(importlib.import_module(module), name)(request_id)
