"""Config loading: path precedence, the full format into dataclasses, one clear error per mistake, secrets."""

import textwrap
from pathlib import Path

import pytest

from livetop.config import (
    AccountConfig,
    Config,
    ConfigError,
    Credentials,
    DomainConfig,
    Secret,
    UiConfig,
    config_path,
    default_config_path,
    load_config,
    parse_config,
)
from livetop.config.load import SORT_MODES

HW = """
[[accounts]]
name = "hw"
vendor = "huawei"
region = "cn-north-4"
project_id = "p1"
access_key_env = "T_HW_AK"
secret_key_env = "T_HW_SK"
"""

JD = '[[accounts]]\nname = "j"\nvendor = "jdcloud"\nusername = "u"\nsecret_key_env = "T_JD_SK"\n'

SECRET_AK = "AKVALUE-7f3a9c"
SECRET_SK = "SKVALUE-e41b02d9"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in ("LIVETOP_CONFIG", "XDG_CONFIG_HOME", "T_HW_AK", "T_HW_SK", "T_JD_SK", "T_PW", "T_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def hw_env(monkeypatch):
    monkeypatch.setenv("T_HW_AK", SECRET_AK)
    monkeypatch.setenv("T_HW_SK", SECRET_SK)


def write(tmp_path: Path, text: str, mode: int = 0o600, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    path.chmod(mode)
    return path


def error_for(tmp_path: Path, text: str, mode: int = 0o600) -> ConfigError:
    path = write(tmp_path, text, mode)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == str(path)
    assert str(path) in info.value.message()
    return info.value


# --- where the config is -----------------------------------------------------------------------------------


def test_default_path_follows_xdg_then_home(monkeypatch, tmp_path):
    assert default_config_path() == tmp_path / "home" / ".config" / "livetop" / "config.toml"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_config_path() == tmp_path / "xdg" / "livetop" / "config.toml"
    # The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert default_config_path() == tmp_path / "home" / ".config" / "livetop" / "config.toml"


def test_flag_beats_env_beats_xdg(monkeypatch, tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "livetop").mkdir(parents=True)
    write(xdg / "livetop", 'refresh = "11s"\n')
    from_env = write(tmp_path, 'refresh = "22s"\n', name="env.toml")
    from_flag = write(tmp_path, 'refresh = "33s"\n', name="flag.toml")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert load_config().refresh_seconds == 11
    monkeypatch.setenv("LIVETOP_CONFIG", str(from_env))
    assert config_path() == from_env
    assert load_config().refresh_seconds == 22
    assert load_config(from_flag).refresh_seconds == 33
    assert load_config(str(from_flag)).path == from_flag


def test_missing_file_says_livetop_init_with_the_path(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "not found" in info.value.problem
    assert f"livetop init {path}" in info.value.fix


def test_missing_default_file_points_at_init(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    with pytest.raises(ConfigError) as info:
        load_config()
    assert info.value.path == str(tmp_path / "xdg" / "livetop" / "config.toml")
    assert "livetop init" in info.value.fix


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    err = error_for(tmp_path, 'refresh = "30s"\n[[accounts]\nname = "x"\n')
    assert "not valid TOML" in err.problem
    assert "line 2, column 11" in err.problem


def test_not_utf8_and_directory_are_config_errors(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'refresh = "30s"\n# caf\xe9\n')
    with pytest.raises(ConfigError, match="not UTF-8 text .*line 2"):
        load_config(path)
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


# --- a full valid config ----------------------------------------------------------------------------------

FULL = """
refresh = "15s"
window = "3h"

[ui]
theme = "livetop-light"
ascii_sparklines = true
sparkline_from_zero = true
error_panel_auto_open = false
sort = "errors"

[keys]
"overview.select" = "enter,o"
"app.quit" = ["q", "ctrl+q"]

[[accounts]]
name = "hw-prod"
vendor = "huawei"
endpoint = "https://live.example.test/"
region = "cn-north-4"
project_id = "0123abcd"
auth = "aksk"
access_key_env = "T_HW_AK"
secret_key_env = "T_HW_SK"
verify_tls = false
timeout = "2.5s"
concurrency = 4
rate_per_second = 2.5
step_minutes = 1
data_lag = "0s"
domains = ["play.example.com", { name = "Play2.example.com", label = "Main event" }]

[[accounts]]
name = "hw-pw"
vendor = "huawei"
region = "ap-southeast-3"
project_id = "p2"
auth = "password"
username = "ops-bot"
domain_name = "acme"
password_env = "T_PW"

[[accounts]]
name = "hw-token"
vendor = "huawei"
endpoint = "http://127.0.0.1:8080"
project_id = "p3"
auth = "token"
token_env = "T_TOKEN"
timeout = 30

[[accounts]]
name = "jd"
vendor = "jdcloud"
username = "jd_pin"
secret_key_env = "T_JD_SK"
unit_base = 1024
data_lag = "10m"
domains = [{ name = "play.example.net" }]
"""


def test_full_config_round_trips_to_dataclasses(tmp_path, monkeypatch, hw_env):
    monkeypatch.setenv("T_PW", "pw-value")
    monkeypatch.setenv("T_TOKEN", "token-value")
    monkeypatch.setenv("T_JD_SK", "jd-secret")
    path = write(tmp_path, FULL, mode=0o644)  # env secrets only: a readable file is fine
    assert load_config(path) == Config(
        path=path,
        refresh_seconds=15.0,
        window_seconds=10800,
        ui=UiConfig(
            theme="livetop-light",
            ascii_sparklines=True,
            sparkline_from_zero=True,
            error_panel_auto_open=False,
            sort="errors",
        ),
        keys={"overview.select": "enter,o", "app.quit": "q,ctrl+q"},
        accounts=(
            AccountConfig(
                name="hw-prod",
                api="v1",
                vendor="huawei",
                endpoint="https://live.example.test",
                auth="aksk",
                credentials=Credentials(access_key=Secret(SECRET_AK), secret_key=Secret(SECRET_SK)),
                domains=(DomainConfig("play.example.com"), DomainConfig("Play2.example.com", "Main event")),
                region="cn-north-4",
                project_id="0123abcd",
                verify_tls=False,
                timeout_seconds=2.5,
                concurrency=4,
                rate_per_second=2.5,
                step_minutes=1,
                data_lag_seconds=0,
            ),
            AccountConfig(
                name="hw-pw",
                api="v1",
                vendor="huawei",
                endpoint="https://live.ap-southeast-3.myhuaweicloud.com",
                auth="password",
                credentials=Credentials(username="ops-bot", domain_name="acme", password=Secret("pw-value")),
                region="ap-southeast-3",
                project_id="p2",
                iam_endpoint="https://iam.ap-southeast-3.myhuaweicloud.com",
            ),
            AccountConfig(
                name="hw-token",
                api="v1",
                vendor="huawei",
                endpoint="http://127.0.0.1:8080",
                auth="token",
                credentials=Credentials(token=Secret("token-value")),
                project_id="p3",
                timeout_seconds=30.0,
            ),
            AccountConfig(
                name="jd",
                api="opencdn",
                vendor="jdcloud",
                endpoint="https://opencdn.jcloud.com",
                auth="md5",
                credentials=Credentials(username="jd_pin", secret_key=Secret("jd-secret")),
                domains=(DomainConfig("play.example.net"),),
                unit_base=1024,
                data_lag_seconds=600,
            ),
        ),
    )


def test_defaults_for_a_minimal_config(tmp_path, hw_env):
    config = load_config(write(tmp_path, HW))
    assert (config.refresh_seconds, config.window_seconds, config.ui, config.keys) == (
        30.0,
        3600,
        UiConfig(),
        {},
    )
    account = config.accounts[0]
    assert account.endpoint == "https://live.cn-north-4.myhuaweicloud.com"
    assert account.auth == "aksk" and account.verify_tls is True and account.step_minutes == 5
    assert account.credentials.secret_key.source == "env T_HW_SK"
    assert account.iam_endpoint is None  # only password auth needs it


def test_inline_secrets_in_a_private_file_load(tmp_path):
    path = write(
        tmp_path,
        """
        [[accounts]]
        name = "jd"
        vendor = "jdcloud"
        username = "pin"
        secret_key = "inline-secret"
        """,
        mode=0o600,
    )
    secret = load_config(path).accounts[0].credentials.secret_key
    assert secret.reveal() == "inline-secret" and secret.source == "config file"


def test_parse_config_of_a_dict_without_a_file_accepts_inline_secrets():
    data = {
        "accounts": [
            {
                "name": "sim",
                "vendor": "huawei",
                "endpoint": "http://127.0.0.1:1",
                "project_id": "p",
                "auth": "token",
                "token": "t0k",
            }
        ]
    }
    config = parse_config(data)
    assert config.path is None and config.accounts[0].credentials.token.reveal() == "t0k"


# --- one clear error per mistake --------------------------------------------------------------------------

# fmt: off
ERRORS = [
    # (config text, key path, words in the problem, words in the fix)
    ('refesh = "30s"\n', "refesh", 'unknown key "refesh"', "did you mean `refresh`?"),
    ("refresh_seconds = 30\n", "refresh_seconds", "unknown key", "did you mean `refresh`?"),
    ('colour = "x"\n', "colour", "unknown key", "keys allowed here: refresh, window, ui, keys, accounts"),
    ("[ui]\nthem = 'x'\n", "ui.them", "unknown key", "did you mean `theme`?"),
    (HW.replace("secret_key_env", "secret_kye_env"), "accounts[0].secret_kye_env", "unknown key",
     "did you mean `secret_key_env`?"),
    (HW + 'domains = ["a.example.com", { name = "b.example.com", lable = "B" }]\n',
     "accounts[0].domains[1].lable", "unknown key", "did you mean `label`?"),
    ("refresh = true\n", "refresh", "must be a duration, not a boolean", '"30s"'),
    ('refresh = "5x"\n', "refresh", '"5x" is not a duration', '"30s", "5m", "1h"'),
    ('refresh = "0.5s"\n', "refresh", "too short", '"1s"'),
    ('window = "-1h"\n', "window", "is not a duration", '"1h"'),
    ("window = 0\n", "window", "must be a positive duration", '"1h"'),
    ('window = "59s"\n', "window", "shorter than one minute", 'at least "1m"'),
    ('window = "0.5"\n', "window", "shorter than one minute", '"15m", "1h" or "24h"'),
    ('window = "9999999d"\n', "window", "longer than 90 days: Huawei Cloud Live keeps only 3 months",
     'at most "90d"'),
    ("window = 1e300\n", "window", "longer than 90 days", '"24h"'),
    ("window = inf\n", "window", "must be a positive duration, not inf", '"1h"'),
    ("window = nan\n", "window", "must be a positive duration, not nan", None),
    ('window = "1e9d"\n', "window", '"1e9d" is not a duration', '"15m", "1h" or "24h"'),
    ('window = "1h30"\n', "window", "is not a duration", None),
    ('refresh = "25h"\n', "refresh", "longer than 24 hours", 'at most "24h"'),
    ("refresh = -1\n", "refresh", "must be a positive duration, not -1", '"30s"'),
    ("refresh = inf\n", "refresh", "must be a positive duration", None),
    (HW + 'data_lag = "9999999d"\n', "accounts[0].data_lag", "longer than the longest window", '"10m"'),
    (HW + 'timeout = "0s"\n', "accounts[0].timeout", "positive duration", '"30s"'),
    (HW + 'verify_tls = "false"\n', "accounts[0].verify_tls", "must be true or false", "without quotes"),
    (HW + "verify_tls = 0\n", "accounts[0].verify_tls", "not an integer", None),
    (HW + 'step_minutes = "5"\n', "accounts[0].step_minutes", "must be an integer, not a string", None),
    (HW + "step_minutes = 0\n", "accounts[0].step_minutes", "positive integer", None),
    (HW + "step_minutes = -5\n", "accounts[0].step_minutes", "positive integer", None),
    (HW + "step_minutes = 7\n", "accounts[0].step_minutes", "no step of 7 minutes",
     "1, 5, 15, 30, 60, 240, 1440"),
    (HW + "concurrency = 2.0\n", "accounts[0].concurrency", "must be an integer, not a float", None),
    (HW + "rate_per_second = 0\n", "accounts[0].rate_per_second", "positive number", None),
    (HW.replace('project_id = "p1"', "project_id = 42"), "accounts[0].project_id",
     "must be a string, not an integer", 'quote it: "42"'),
    (HW + 'domains = "a.example.com"\n', "accounts[0].domains", "must be an array, not a string", None),
    ('[accounts]\nname = "x"\n', "accounts", "must be an array of tables", "[[accounts]]"),
    ('accounts = ["hw"]\n', "accounts[0]", "must be a table, not a string", "{ key = value }"),
    ('ui = "dark"\n', "ui", "must be a table, not a string", "[ui] section"),
    ("[ui]\nsort = 'loudest'\n", "ui.sort", 'unknown sort "loudest"',
     "bandwidth, change, name, vendor, errors"),
    ("[ui]\nascii_sparklines = 'yes'\n", "ui.ascii_sparklines", "true or false", None),
    ("[keys]\n'overview.select' = 5\n", 'keys."overview.select"', "must be a string", None),
    ('[[accounts]]\nvendor = "huawei"\n', "accounts[0].name", "missing required key name", "add name ="),
    ('[[accounts]]\nname = "x"\n', "accounts[0].vendor", "missing required key vendor",
     '"huawei" or "jdcloud"'),
    ('[[accounts]]\nname = "x"\nvendor = "huawai"\n', "accounts[0].vendor", 'unknown vendor "huawai"',
     "huawei, jdcloud"),
    (HW.replace('project_id = "p1"\n', ""), "accounts[0].project_id", "missing required key project_id",
     "My Credentials"),
    (HW.replace('region = "cn-north-4"\n', ""), "accounts[0].region", "needs a region or an endpoint",
     'region = "cn-north-4"'),
    (HW + 'auth = "oauth"\n', "accounts[0].auth", 'unknown auth mode "oauth"', "aksk, password, token"),
    (JD + 'auth = "aksk"\n', "accounts[0].auth", "unknown auth mode", "md5"),
    (HW.replace('access_key_env = "T_HW_AK"\n', ""), "accounts[0].access_key_env", "needs the access key",
     "access_key_env"),
    (HW + 'auth = "password"\nusername = "u"\npassword_env = "T_PW"\n', "accounts[0].domain_name",
     'auth "password" needs domain_name', "add domain_name"),
    (HW + 'auth = "password"\ndomain_name = "d"\npassword_env = "T_PW"\n', "accounts[0].username",
     "needs username", None),
    (HW + 'auth = "token"\n', "accounts[0].token_env", "needs the token", "token_env"),
    (JD.replace('username = "u"\n', ""), "accounts[0].username", "needs username (the JD pin)", None),
    ('[[accounts]]\nname = "h"\nvendor = "huawei"\nendpoint = "http://127.0.0.1:9"\nproject_id = "p"\n'
     + 'auth = "password"\nusername = "u"\ndomain_name = "d"\npassword_env = "T_PW"\n',
     "accounts[0].iam_endpoint", "needs an IAM endpoint or a region", "iam_endpoint ="),
    (HW + HW, "accounts[1].name", 'duplicate account name "hw" (also accounts[0])', "unique"),
    (HW + 'domains = ["a.example.com", "b.example.com", "A.Example.com"]\n', "accounts[0].domains[2]",
     'duplicate domain "A.Example.com" (also accounts[0].domains[0])', "once"),
    (HW + 'domains = ["a.example.com", { name = "a.example.com" }]\n', "accounts[0].domains[1].name",
     "duplicate domain", None),
    (HW + 'domains = ["https://a.example.com/live"]\n', "accounts[0].domains[0]", "is a URL",
     '"a.example.com"'),
    (HW + 'domains = ["not a domain"]\n', "accounts[0].domains[0]", "is not a domain name", None),
    (HW + 'domains = [{ label = "x" }]\n', "accounts[0].domains[0].name", "missing required key name", None),
    (JD + "unit_base = 1023\n", "accounts[0].unit_base", "must be 1000 or 1024", None),
    (HW + "unit_base = 1024\n", "accounts[0].unit_base", "applies only to jdcloud (api opencdn)", "remove it"),
    (JD + 'region = "cn-north-4"\n', "accounts[0].region", "applies only to huawei", "remove it"),
    (HW + 'endpoint = "ftp://live.example.com"\n', "accounts[0].endpoint", "is not an http(s) URL",
     "https://"),
    (HW + 'endpoint = "live.example.com"\n', "accounts[0].endpoint", "is not an http(s) URL", None),
    (HW + 'endpoint = "https://live.example.com?x=1"\n', "accounts[0].endpoint", "query", None),
    (HW + 'endpoint = "https://live.example.com:99999"\n', "accounts[0].endpoint", "is not an http(s) URL",
     None),
    (HW + 'iam_endpoint = "iam"\n', "accounts[0].iam_endpoint", "is not an http(s) URL", None),
    (HW.replace('"cn-north-4"', '"North 4"'), "accounts[0].region", "is not a region id", None),
    (HW + 'secret_key = "x"\n', "accounts[0].secret_key", "both secret_key and secret_key_env", "keep one"),
    (HW.replace('"T_HW_SK"', '"bad name"'), "accounts[0].secret_key_env", "not an environment variable name",
     'secret_key_env = "'),
]
# fmt: on


@pytest.mark.parametrize(
    "text, refresh, window",
    [
        ('refresh = "1s"\nwindow = "1m"\n', 1.0, 60),
        ('refresh = "24h"\nwindow = "90d"\n', 86400.0, 90 * 86400),
        ("refresh = 2.5\nwindow = 3600.9\n", 2.5, 3600),
        ('refresh = "1500ms"\nwindow = " 2H "\n', 1.5, 7200),
    ],
)
def test_refresh_and_window_bounds_are_inclusive(tmp_path, hw_env, text, refresh, window):
    config = load_config(write(tmp_path, text + HW + 'data_lag = "90d"\n'))
    assert (config.refresh_seconds, config.window_seconds) == (refresh, window)
    assert config.accounts[0].data_lag_seconds == 90 * 86400


def test_the_command_line_and_the_file_share_one_window_check():
    from livetop.config.durations import DurationError, window_seconds

    assert window_seconds("90d") == 90 * 86400 and window_seconds(60) == 60
    for bad, words in [
        ("0.5", "shorter than one minute"),
        ("1e9d", "is not a duration"),
        ("9999999d", "3 months"),
        ("-1h", "is not a duration"),
        ("", "is not a duration"),
        (float("nan"), "positive duration"),
        (True, "is not a duration"),
    ]:
        with pytest.raises(DurationError) as info:
            window_seconds(bad)
        assert words in info.value.problem and '"1h"' in info.value.fix


@pytest.mark.parametrize("text,key,problem,fix", ERRORS, ids=[e[1] + ":" + e[2][:24] for e in ERRORS])
def test_each_mistake_names_key_path_problem_and_fix(tmp_path, hw_env, text, key, problem, fix):
    err = error_for(tmp_path, text)
    assert err.key == key
    assert problem in err.problem
    if fix is not None:
        assert fix in err.fix
    assert f"{key}: " in err.message() and "fix: " in err.message()


def test_unset_env_secret_names_the_variable_and_the_export(tmp_path, monkeypatch):
    monkeypatch.setenv("T_HW_AK", SECRET_AK)
    err = error_for(tmp_path, HW)
    assert err.key == "accounts[0].secret_key_env"
    assert "T_HW_SK is not set" in err.problem and '"hw"' in err.problem
    assert err.fix.startswith("export T_HW_SK=")


def test_empty_env_secret_is_refused(tmp_path, monkeypatch, hw_env):
    monkeypatch.setenv("T_HW_AK", "")
    err = error_for(tmp_path, HW)
    assert err.key == "accounts[0].access_key_env" and "T_HW_AK is empty" in err.problem


def test_secrets_unused_by_the_auth_mode_need_no_variable(tmp_path, hw_env):
    # Switching `auth` back and forth must not demand the other mode's variables.
    config = load_config(write(tmp_path, HW + 'token_env = "T_TOKEN"\npassword_env = "T_PW"\n'))
    assert config.accounts[0].credentials.token is None


# --- secrets --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_inline_secret_in_a_readable_file_is_refused_with_the_chmod(tmp_path, mode):
    text = HW.replace('access_key_env = "T_HW_AK"', f'access_key = "{SECRET_AK}"').replace(
        'secret_key_env = "T_HW_SK"', f'secret_key = "{SECRET_SK}"'
    )
    err = error_for(tmp_path, text, mode=mode)
    assert err.key == "accounts[0].access_key"
    assert "readable by group or others" in err.problem and f"{mode:04o}" in err.problem
    assert err.fix.startswith(f"chmod 600 {tmp_path / 'config.toml'}")
    assert SECRET_AK not in err.message() and SECRET_SK not in err.message()
    (tmp_path / "config.toml").chmod(0o600)
    assert load_config(tmp_path / "config.toml").accounts[0].credentials.access_key.reveal() == SECRET_AK


def test_inline_secret_unused_by_the_auth_mode_still_needs_a_private_file(tmp_path, hw_env):
    err = error_for(tmp_path, HW + 'password = "hunter2-pw"\n', mode=0o644)
    assert err.key == "accounts[0].password" and "hunter2-pw" not in err.message()


def test_env_secrets_never_appear_in_repr_str_or_messages(tmp_path, monkeypatch, hw_env):
    config = load_config(write(tmp_path, HW + 'domains = ["a.example.com"]\n'))
    for text in (repr(config), str(config), repr(config.accounts[0].credentials), str(config.accounts[0])):
        assert SECRET_AK not in text and SECRET_SK not in text
    assert config.accounts[0].credentials.secret_key.reveal() == SECRET_SK
    # A later mistake in the same file: its message carries no secret that was already read.
    err = error_for(tmp_path, HW + 'domains = ["a.example.com"]\nstep_minutes = 9\n')
    assert SECRET_AK not in err.message() and SECRET_SK not in err.message()


def test_secret_pasted_into_an_env_key_is_not_echoed(tmp_path):
    pasted = "Zx81kQ0pLmN4vB7cR2sT9uWa"  # what an SK looks like
    err = error_for(tmp_path, HW.replace('"T_HW_SK"', f'"{pasted}"'))
    assert err.key == "accounts[0].secret_key_env"
    assert "may be the secret itself" in err.problem
    assert pasted not in err.message()


def test_secret_of_the_wrong_type_is_not_echoed(tmp_path):
    err = error_for(tmp_path, HW + "token = 987654321\n")
    assert err.key == "accounts[0].token" and "987654321" not in err.message()


def test_endpoint_with_credentials_is_not_echoed(tmp_path, hw_env):
    err = error_for(tmp_path, HW + 'endpoint = "https://user:s3cr3t-pw@live.example.com"\n')
    assert err.key == "accounts[0].endpoint" and "s3cr3t-pw" not in err.message()


def test_sort_modes_match_the_overview():
    from livetop.ui.widgets.overview_render import SORTS

    assert SORT_MODES == SORTS
