"""Walk the vendor registry and the simulator's table: no vendor or API is half registered."""

from __future__ import annotations

import subprocess
import sys

import pytest

from livetop.config.load import parse_config
from livetop.config.secrets import SECRET_NAMES
from livetop.sim.apis import SIM_APIS, sim_api, sim_apis
from livetop.vendors.base import Provider
from livetop.vendors.catalog import error_reader, load_catalog
from livetop.vendors.registry import VENDOR_SPECS, all_specs, provider_class, vendor_mark, vendor_spec

APIS = [(vendor.name, api.name) for vendor in all_specs() for api in vendor.apis]


@pytest.mark.parametrize("name", list(VENDOR_SPECS))
def test_vendor_spec_is_complete(name):
    spec = vendor_spec(name)
    assert spec.name == name
    assert len(spec.short) == 2 and spec.short.isupper() and vendor_mark(name) == spec.short
    assert spec.display and spec.apis
    assert spec.api(spec.default_api) is not None and spec.api(spec.init_api) is not None
    assert len(set(spec.api_names)) == len(spec.apis)
    assert load_catalog(name).entries  # its errors.toml loads and validates
    assert callable(error_reader(name)) and spec.error_reader
    assert any(starter.active for api in spec.apis for starter in api.starters), "init writes no account"


def test_vendor_marks_are_unique():
    marks = [spec.short for spec in all_specs()]
    assert len(set(marks)) == len(marks)


@pytest.mark.parametrize(("vendor", "api"), APIS)
def test_each_api_is_declared_implemented_and_simulated(vendor, api):
    spec = vendor_spec(vendor).api(api)
    cls = provider_class(vendor, api)
    assert issubclass(cls, Provider) and cls.vendor == vendor
    assert spec.auth(spec.default_auth) is not None
    for mode in spec.auth_modes:
        assert set(mode.secrets) <= set(SECRET_NAMES), mode.name
    assert spec.rate_per_second > 0 and spec.concurrency >= 1 and spec.rate_source
    assert spec.settle_seconds >= 0 and spec.settle_source
    assert spec.default_endpoint
    if spec.step_minutes:
        assert spec.default_step_minutes in spec.step_minutes
    sim = sim_api(vendor, api)
    assert sim is not None, f"no simulator module for {vendor} {api}: add one to livetop.sim.apis.SIM_APIS"
    assert sim.auth_modes and set(sim.auth_modes) <= set(spec.auth_names)
    assert sim.config_entry is not None and sim.identities is not None and sim.faults


def test_every_simulated_api_is_a_registered_api():
    assert len(sim_apis()) == len(SIM_APIS)
    for sim in sim_apis():
        assert sim.vendor in VENDOR_SPECS
        if sim.api is not None:
            assert vendor_spec(sim.vendor).api(sim.api) is not None, (sim.vendor, sim.api)


STARTERS = [
    (vendor.name, api.name, i)
    for vendor in all_specs()
    for api in vendor.apis
    for i, _ in enumerate(api.starters)
]


@pytest.mark.parametrize(("vendor", "api", "index"), STARTERS)
def test_each_init_example_loads_once_its_variables_are_set(vendor, api, index, monkeypatch):
    spec = vendor_spec(vendor).api(api)
    starter = spec.starters[index]
    for var in starter.env:
        monkeypatch.setenv(var, "value-of-" + var)
    # The user's own values where init writes REPLACE-WITH-... (a config still holding one is refused).
    account = {
        key: value.replace("REPLACE-WITH-", "my-") if isinstance(value, str) else value
        for key, value in starter.account.items()
    }
    config = parse_config({"accounts": [{**account, "api": api}]})
    account = config.accounts[0]
    assert (account.vendor, account.api) == (vendor, api)
    assert account.auth in spec.auth_names
    assert account.endpoint.startswith("https://")  # the documented default, from the spec


def test_spec_modules_and_registry_import_neither_httpx_nor_textual():
    code = "import livetop.vendors.registry as r\nfor n in r.VENDOR_SPECS: r.vendor_spec(n)\n"
    code += "import livetop.config.load, livetop.config.starter\n"
    code += "import sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert not {m for m in loaded if m.split(".")[0] in ("httpx", "textual", "plotext")}
