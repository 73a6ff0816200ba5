"""Config keys and checks from issue 10: settle_delay (data_lag's new name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from livetop.config.load import load_config
from livetop.config.schema import ConfigError

HW = """
[[accounts]]
name = "hw"
vendor = "huawei"
region = "cn-north-4"
project_id = "p1"
access_key_env = "T_HW_AK"
secret_key_env = "T_HW_SK"
domains = ["play.example.com"]
"""


@pytest.fixture(autouse=True)
def env(monkeypatch, tmp_path):
    monkeypatch.setenv("T_HW_AK", "AK-test")
    monkeypatch.setenv("T_HW_SK", "SK-test")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    return info.value.message()


def test_settle_delay_sets_the_accounts_settle_delay_and_data_lag_still_reads(tmp_path):
    assert load_config(write(tmp_path, HW + 'settle_delay = "6m"\n')).accounts[0].data_lag_seconds == 360
    assert load_config(write(tmp_path, HW + 'data_lag = "15m"\n')).accounts[0].data_lag_seconds == 900
    assert load_config(write(tmp_path, HW)).accounts[0].data_lag_seconds is None  # the vendor's default


def test_settle_delay_and_its_old_name_together_are_refused(tmp_path):
    message = refused(tmp_path, HW + 'settle_delay = "6m"\ndata_lag = "10m"\n')
    assert "accounts[0].data_lag" in message and "settle_delay" in message


def test_a_bad_settle_delay_names_the_key(tmp_path):
    message = refused(tmp_path, HW + 'settle_delay = "9999999d"\n')
    assert "accounts[0].settle_delay" in message


def test_a_placeholder_left_by_init_is_refused_naming_the_key(tmp_path):
    text = HW.replace('project_id = "p1"', 'project_id = "REPLACE-WITH-PROJECT-ID"')
    message = refused(tmp_path, text)
    assert "accounts[0].project_id" in message and "REPLACE-WITH-PROJECT-ID" in message and "livetop init" in message


def test_a_non_ascii_domain_is_asked_for_in_punycode_and_shown_as_written(tmp_path):
    text = HW.replace('domains = ["play.example.com"]', 'domains = ["直播.例子.中国", { name = "Bücher.example", label = "B" }]')
    domains = load_config(write(tmp_path, text)).accounts[0].domains
    assert domains[0].name == "直播.例子.中国".encode("idna").decode() and domains[0].name.startswith("xn--")
    assert domains[0].label == "直播.例子.中国"
    assert (domains[1].name, domains[1].label) == ("xn--bcher-kva.example", "B")


def test_a_non_ascii_name_that_is_no_domain_is_still_refused(tmp_path):
    message = refused(tmp_path, HW.replace('domains = ["play.example.com"]', 'domains = ["直播 例子"]'))
    assert "accounts[0].domains[0]" in message and "is not a domain name" in message
