"""Persisting one [ui] setting (the TUI saves the chosen theme) by a minimal edit of the user's file."""

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from livetop.config import ConfigError, load_config
from livetop.config.edit import set_ui_value

ACCOUNT = """\
[[accounts]]
name = "jd"
vendor = "jdcloud"
username = "pin"
secret_key = "inline-secret"
"""


def write(tmp_path: Path, text: str, mode: int = 0o600, name: str = "config.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    path.chmod(mode)
    return path


EDITABLE = """\
# my livetop
refresh = "30s"   # fast enough

[ui]   # looks
theme = "livetop-dark"   # the # in this comment stays
sort = "name"

# accounts follow
[keys]
"overview.select" = "enter"
"""


def test_set_ui_value_changes_only_the_value_and_keeps_comments_and_mode(tmp_path):
    path = write(tmp_path, EDITABLE, mode=0o640)
    set_ui_value(path, "theme", "livetop-ansi")
    assert path.read_text() == EDITABLE.replace('"livetop-dark"', '"livetop-ansi"')
    assert path.stat().st_mode & 0o777 == 0o640
    assert load_config(path).ui.theme == "livetop-ansi"


def test_set_ui_value_adds_a_missing_key_inside_ui(tmp_path):
    path = write(tmp_path, EDITABLE)
    set_ui_value(path, "ascii_sparklines", True)
    assert path.read_text() == EDITABLE.replace('sort = "name"\n', 'sort = "name"\nascii_sparklines = true\n')
    assert load_config(path).ui.ascii_sparklines is True


def test_set_ui_value_adds_the_ui_table_when_missing(tmp_path):
    path = write(tmp_path, "# only accounts\n" + ACCOUNT)
    set_ui_value(path, "theme", 'quote " and # hash')
    text = path.read_text()
    assert text.startswith("# only accounts\n" + ACCOUNT)
    config = load_config(path)
    assert config.ui.theme == 'quote " and # hash' and config.accounts[0].name == "jd"
    assert path.stat().st_mode & 0o777 == 0o600


def test_set_ui_value_keeps_crlf_and_a_symlink(tmp_path):
    real = tmp_path / "dotfiles" / "livetop.toml"
    real.parent.mkdir()
    real.write_bytes(b'[ui]\r\ntheme = "a"\r\n')
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    set_ui_value(link, "theme", "b")
    assert link.is_symlink()
    assert real.read_bytes() == b'[ui]\r\ntheme = "b"\r\n'


def test_set_ui_value_creates_a_missing_file_privately(tmp_path):
    path = tmp_path / "new.toml"
    set_ui_value(path, "theme", "x")
    assert load_config(path).ui.theme == "x"
    assert path.stat().st_mode & 0o777 == 0o600


def test_set_ui_value_refuses_what_it_cannot_edit_safely(tmp_path):
    path = write(tmp_path, 'ui = { theme = "a" }\n')
    with pytest.raises(ConfigError, match="inline"):
        set_ui_value(path, "theme", "b")
    assert path.read_text() == 'ui = { theme = "a" }\n'
    with pytest.raises(ConfigError, match="takes a bool"):
        set_ui_value(path, "ascii_sparklines", "yes")
    with pytest.raises(ConfigError, match="not a \\[ui\\] setting"):
        set_ui_value(path, "colour", "red")


def test_no_temporary_files_are_left_behind(tmp_path):
    path = write(tmp_path, EDITABLE)
    set_ui_value(path, "theme", "b")
    assert sorted(os.listdir(tmp_path)) == ["config.toml"]


_SET_THEME = """
import sys
from livetop.config import ConfigError
from livetop.config.edit import set_ui_value
try:
    set_ui_value(sys.argv[1], "theme", "b")
except ConfigError as exc:
    print(exc.message())
    sys.exit(2)
"""


@pytest.mark.parametrize("via_link", [False, True])
def test_set_ui_value_never_reads_or_replaces_a_fifo(tmp_path, via_link):
    # In a child with a time limit: reading a FIFO nobody writes to blocks, which is the bug this guards.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo, 0o644)
    path = fifo
    if via_link:
        path = tmp_path / "config.toml"
        path.symlink_to(fifo)
    done = subprocess.run(
        [sys.executable, "-c", _SET_THEME, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert f"{path}: is a named pipe (FIFO), not a regular file" in done.stdout
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and stat.S_IMODE(os.lstat(fifo).st_mode) == 0o644
    assert path.is_symlink() == via_link


def test_set_ui_value_on_a_directory_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="is a directory, not a regular file"):
        set_ui_value(tmp_path, "theme", "b")
    assert os.listdir(tmp_path) == []


def test_set_ui_value_on_a_file_that_is_not_utf8_is_a_config_error(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b'[ui]\ntheme = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        set_ui_value(path, "theme", "b")
    assert path.read_bytes() == b'[ui]\ntheme = "caf\xe9"\n'
