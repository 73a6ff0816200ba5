"""`livetop init` end to end in a subprocess, and config errors from the commands that load a config."""

import os
import stat
import subprocess
import sys
import tomllib

import pytest

from livetop.config import ConfigError, load_config
from livetop.config.secrets import SECRET_NAMES
from livetop.config.starter import starter_env, starter_text

STARTER_ENV = starter_env()
ALL_EXAMPLE_ENV = starter_env(active_only=False)


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A child environment with a throwaway HOME and none of livetop's variables."""
    child = {
        k: v
        for k, v in os.environ.items()
        if k not in ("LIVETOP_CONFIG", "XDG_CONFIG_HOME", *ALL_EXAMPLE_ENV)
    }
    child["HOME"] = str(tmp_path / "home")
    for var in ("LIVETOP_CONFIG", "XDG_CONFIG_HOME", *ALL_EXAMPLE_ENV):
        monkeypatch.delenv(var, raising=False)
    return child


def livetop(*args, env):
    return subprocess.run(
        [sys.executable, "-m", "livetop", *args],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def fill_placeholders(path) -> None:
    """What the user does after init: put their own values where it says REPLACE-WITH-..."""
    import re

    path.write_text(re.sub(r"REPLACE-WITH-[A-Z-]+", "filled-in", path.read_text()))


def set_starter_env(monkeypatch):
    for i, var in enumerate(STARTER_ENV):
        monkeypatch.setenv(var, f"value-{i}")


def test_init_writes_a_private_starter_that_loads(tmp_path, env, monkeypatch):
    path = tmp_path / "a" / "b" / "livetop.toml"
    done = livetop("init", str(path), env=env)
    assert done.returncode == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    assert f"wrote a starter config to {path}" in done.stdout
    for var in STARTER_ENV:
        assert f"export {var}=" in done.stdout
    assert f"livetop --config {path}" in done.stdout
    # As written, the starter is refused on its first placeholder, named by key (not a DNS error later).
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "accounts[0].project_id" and "REPLACE-WITH-PROJECT-ID" in info.value.problem
    fill_placeholders(path)
    # Without the variables it names, the starter fails on the first one, with its export.
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "accounts[0].access_key_env" and f"export {STARTER_ENV[0]}=" in info.value.fix
    set_starter_env(monkeypatch)
    config = load_config(path)
    # JD's current OpenAPI is the active JD example; the legacy opencdn one is written commented out.
    assert [(a.name, a.vendor, a.auth) for a in config.accounts] == [
        ("hw-prod", "huawei", "aksk"),
        ("jd-live", "jdcloud", "aksk"),
        ("tc-live", "tencent", "tc3"),
        ("ali-live", "alibaba", "aksk"),
    ]
    assert config.accounts[1].api == "openapi" and config.accounts[1].endpoint == "https://live.jdcloud-api.com"
    assert '# api = "opencdn"' in path.read_text()
    assert config.accounts[0].credentials.secret_key.source == f"env {STARTER_ENV[1]}"
    assert config.accounts[0].domains[1].label == "Main event"


def test_init_refuses_to_overwrite_unless_forced(tmp_path, env):
    path = tmp_path / "c.toml"
    path.write_text("# mine\n")
    path.chmod(0o644)
    refused = livetop("init", str(path), env=env)
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--force" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert path.read_text() == "# mine\n"
    forced = livetop("init", str(path), "--force", env=env)
    assert forced.returncode == 0, forced.stderr
    assert path.read_text() == starter_text()
    assert path.stat().st_mode & 0o777 == 0o600


def test_init_without_path_writes_where_livetop_reads(tmp_path, env):
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    done = livetop("init", env=env)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "xdg" / "livetop" / "config.toml"
    assert path.is_file() and "3. run: livetop\n" in done.stdout
    env["LIVETOP_CONFIG"] = str(tmp_path / "elsewhere.toml")
    assert livetop("init", env=env).returncode == 0
    assert (tmp_path / "elsewhere.toml").is_file()


def test_init_on_a_directory_is_a_clear_error(tmp_path, env):
    done = livetop("init", str(tmp_path), env=env)
    assert done.returncode == 2 and "is a directory" in done.stderr and "Traceback" not in done.stderr


def test_starter_names_secrets_by_variable_only(tmp_path, monkeypatch):
    doc = tomllib.loads(starter_text())
    for account in doc["accounts"]:
        assert not set(SECRET_NAMES) & set(account), account["name"]


def test_commented_password_account_loads_once_uncommented(tmp_path, monkeypatch):
    lines = starter_text().splitlines(keepends=True)
    start = lines.index("# [[accounts]]\n")
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("#"))
    uncommented = "".join(
        lines[:start] + [ln[2:] if ln.startswith("# ") else "\n" for ln in lines[start:end]] + lines[end:]
    )
    path = tmp_path / "c.toml"
    path.write_text(uncommented)
    fill_placeholders(path)
    set_starter_env(monkeypatch)
    monkeypatch.setenv("HUAWEICLOUD_IAM_PASSWORD", "pw")
    account = load_config(path).account("hw-intl")
    assert account.auth == "password"
    assert account.iam_endpoint == "https://iam.ap-southeast-3.myhuaweicloud.com"


@pytest.mark.parametrize("command", [["snapshot"], ["query", "hw", "play.example.com"]])
def test_commands_on_a_broken_config_print_the_message_and_exit_2(tmp_path, env, command):
    broken = tmp_path / "broken.toml"
    broken.write_text('refresh = "30s"\n\n[[accounts]]\nname = "hw"\nvendor = "huawai"\n')
    done = livetop(*command[:1], "--config", str(broken), *command[1:], env=env)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f'{broken}: accounts[0].vendor: unknown vendor "huawai"' in done.stderr
    assert "fix: use one of: huawei, jdcloud" in done.stderr
    assert done.stdout == ""


def test_commands_on_a_toml_syntax_error_exit_2(tmp_path, env):
    broken = tmp_path / "broken.toml"
    broken.write_text("[[accounts]\n")
    done = livetop("snapshot", "--config", str(broken), env=env)
    assert done.returncode == 2 and "line 1, column" in done.stderr and "Traceback" not in done.stderr


# --- only regular files are written ---------------------------------------------------------------------


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_init_refuses_a_fifo_and_leaves_it_alone(tmp_path, env, force):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    # Opening a FIFO for writing blocks until a reader comes: a hang here is the bug, so it is bounded.
    done = livetop("init", str(fifo), *force, env=env)
    assert done.returncode == 2
    assert f"{fifo}: is a named pipe (FIFO), not a regular file" in done.stderr
    assert "fix: give the path of a regular file" in done.stderr and "Traceback" not in done.stderr
    st = os.lstat(fifo)
    assert stat.S_ISFIFO(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o644  # not chmodded to 0600


def test_init_force_refuses_a_symlink_to_a_fifo(tmp_path, env):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    link = tmp_path / "config.toml"
    link.symlink_to(fifo)
    done = livetop("init", str(link), "--force", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"links to {fifo}, which is a named pipe" in done.stderr
    assert link.is_symlink() and stat.S_IMODE(os.lstat(fifo).st_mode) == 0o644


def test_init_force_through_a_symlink_replaces_the_file_it_names(tmp_path, env):
    real = tmp_path / "dotfiles" / "livetop.toml"
    real.parent.mkdir()
    real.write_text("# mine\n")
    real.chmod(0o644)
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    refused = livetop("init", str(link), env=env)
    assert refused.returncode == 2 and "already exists" in refused.stderr
    assert real.read_text() == "# mine\n"
    done = livetop("init", str(link), "--force", env=env)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == real  # the link still points at the user's file
    assert real.read_text() == starter_text() and stat.S_IMODE(real.stat().st_mode) == 0o600


def test_init_on_a_dangling_symlink_needs_force(tmp_path, env):
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "missing.toml")
    refused = livetop("init", str(link), env=env)
    assert refused.returncode == 2 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert not (tmp_path / "missing.toml").exists()
    assert livetop("init", str(link), "--force", env=env).returncode == 0
    assert (tmp_path / "missing.toml").read_text() == starter_text()


def test_init_with_an_empty_path_writes_nothing(tmp_path, env):
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    done = livetop("init", "", env=env)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "PATH is empty" in done.stderr and "fix: give a file name" in done.stderr
    assert not (tmp_path / "xdg").exists()  # not silently the default location


def test_init_creates_the_file_private_whatever_the_umask(tmp_path, env):
    path = tmp_path / "c.toml"
    done = subprocess.run(
        ["sh", "-c", 'umask 0277 && exec "$0" -m livetop init "$1"', sys.executable, str(path)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
