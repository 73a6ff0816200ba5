"""The terminal benchmark harness counts exactly what a program writes, in the bursts it writes it, and stops
the program's whole process tree. Assertions are on bytes, frames and order, never on how long things took."""

from __future__ import annotations

import os
import sys
import textwrap
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ptyrun import Chunk, Frame, Plan, group_frames, run  # noqa: E402
from bench.screentext import ScreenText, strip  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm-256color", "LANG": "C.UTF-8"}


def test_bursts_are_grouped_by_silence():
    chunks = [Chunk(0.0, 100), Chunk(0.01, 50), Chunk(0.5, 7), Chunk(0.54, 3), Chunk(1.2, 1)]
    assert group_frames(chunks, 0.05) == [Frame(0.0, 0.01, 150), Frame(0.5, 0.54, 10), Frame(1.2, 1.2, 1)]
    assert group_frames(chunks, 1.0) == [Frame(0.0, 1.2, 161)]


def test_escape_sequences_vanish_even_when_split_between_reads():
    screen = ScreenText()
    parts = [b"\x1b[38;2;1", b"0;20;30m12.5\x1b[0m Mb", b"ps\x1b[5;1H\xe2\x96", b"\x81x\x1b]0;title\x07"]
    assert "".join(screen.feed(p) for p in parts) == "12.5 Mbps\n▁x"
    assert strip("a\x1b(0q\x1b(Bb\x1b[?25lc\x1b7\x1b8d") == "aqbcd"  # q: a DEC line glyph


def _script(tmp_path: Path, body: str) -> list[str]:
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(body))
    return [sys.executable, str(path)]


def test_counts_bytes_and_frames_of_a_known_program_and_only_inside_the_window(tmp_path):
    # Raw mode: no newline translation or echo, so the pty passes exactly the bytes written.
    argv = _script(
        tmp_path,
        """
        import os, sys, time, tty
        tty.setraw(0)
        os.write(1, b"w" * 500)                      # warm-up: not counted
        assert os.read(0, 1) == b"f"                 # the key the harness types after the warm-up
        os.write(1, b"k" * 700)                      # during the settle time: not counted
        time.sleep(1.5)
        os.write(1, b"a" * 300 + b"\\x1b[1m42.0\\x1b[0m Mbps")   # 300 + 17 bytes
        time.sleep(0.5)
        os.write(1, b"b" * 200)
        time.sleep(60)
        """,
    )
    plan = Plan(warmup=1.0, settle=1.0, duration=2.0, keys=b"f", data_pattern=r"\d+\.\d Mbps",
                gap_seconds=0.1)  # fmt: skip
    result = run(argv, ENV, plan)
    assert result.total_bytes == 500 + 700 + 317 + 200
    assert result.window_bytes == 517
    assert [f.size for f in result.frames] == [317, 200]
    assert result.frames[0].start <= result.first_data_seconds <= result.frames[0].end
    assert result.exit_status is None  # still running: the harness stopped it
    assert result.queries_seen == []


def test_stops_the_whole_tree_and_counts_a_grandchild_cpu(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    argv = _script(
        tmp_path,
        f"""
        import subprocess, sys, time
        burn = "import time\\nend = time.monotonic() + 120\\nwhile time.monotonic() < end: pass"
        child = subprocess.Popen([sys.executable, "-c", burn])
        open({str(pid_file)!r}, "w").write(str(child.pid))
        time.sleep(120)
        """,
    )
    result = run(argv, ENV, Plan(warmup=0.5, duration=1.5))
    grandchild = int(pid_file.read_text())
    # The leader only sleeps: CPU counted in the window comes from the busy grandchild.
    assert result.cpu_seconds is not None and result.cpu_seconds > 0
    assert result.peak_rss_bytes > 0
    try:
        state = Path(f"/proc/{grandchild}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        state = "gone"
    assert state in ("gone", "Z")


def test_a_program_that_ends_by_itself_is_timed_to_its_exit_and_a_query_is_reported(tmp_path):
    argv = _script(
        tmp_path,
        """
        import os
        os.write(1, b"\\x1b[6nusage: prog")
        raise SystemExit(3)
        """,
    )
    result = run(argv, ENV, Plan(duration=30, until_exit=True, data_pattern="usage: prog"))
    assert result.exit_status == 3
    assert result.exited_at is not None and result.first_data_seconds <= result.exited_at
    assert result.total_bytes == len(b"\x1b[6nusage: prog")
    assert result.queries_seen == ["cursor position (DSR 6)"]


def test_setup_keys_wait_for_data_and_measuring_waits_for_ready(tmp_path):
    argv = _script(
        tmp_path,
        """
        import os, time, tty
        tty.setraw(0)
        os.write(1, b"1.0 Mbps")                     # data: the harness types the setup key after this
        assert os.read(0, 1) == b"-"
        os.write(1, b"loading")
        time.sleep(0.3)
        os.write(1, b"ready now")                    # warm-up ends ready_settle after this
        assert os.read(0, 1) == b"f"                 # typed when the warm-up ends
        time.sleep(0.8)
        os.write(1, b"m" * 100)                      # the only output inside the window
        time.sleep(60)
        """,
    )
    plan = Plan(warmup=0.2, duration=2.0, data_pattern=r"Mbps", setup_keys=b"-", setup_delay=0.2,
                ready_pattern="ready now", ready_settle=0.5, keys=b"f", settle=0.3,
                gap_seconds=0.1)  # fmt: skip
    result = run(argv, ENV, plan)
    assert result.first_data_seconds < result.setup_sent_at < result.ready_at < result.window_start
    assert result.window_start - result.ready_at >= 0.5 + 0.3
    assert result.total_bytes == 8 + 7 + 9 + 100
    assert result.window_bytes == 100 and [f.size for f in result.frames] == [100]


def test_the_screen_is_kept_so_a_line_rewritten_in_pieces_can_be_read():
    """livetop rewrites only the changed cells of its status line: the ready pattern must be read off the
    screen, since the stream never carries that line whole again."""
    screen = ScreenText(40, 3)
    screen.feed(b"\x1b[1;1H\x1b[1m 12 domains: 3 ok, 9 loading \xc2\xb7 window 1h\x1b[0m")
    screen.feed(b"\x1b[2;1Hrow two\x1b[1;14H12 ok          \x1b[38;2;1;2;3m")  # pieces, a style between
    screen.feed(b"\x1b[1;")  # a cursor move cut between two reads
    screen.feed(b"39H1d\x1b[3;5H\xe4\xb8\xbbx")  # a wide character takes two cells
    assert screen.lines()[0] == " 12 domains: 12 ok           \u00b7 window 1d"
    assert screen.lines()[1].rstrip() == "row two"
    assert screen.lines()[2] == "    \u4e3bx" + " " * 33
    assert ScreenText().lines() == []
