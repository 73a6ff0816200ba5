"""The one way livetop writes a config file (`livetop init`, `livetop simulate --write-config`, `[ui]` edits).

Rules, because these commands run with whatever path a person (or a script, or root) hands them:
- Only regular files are written. A directory, FIFO, socket or device is refused before it is opened, so
  `livetop init /dev/null --force` cannot truncate or chmod a device.
- Symlinks are resolved, not refused: a dotfiles setup links the config from elsewhere, and the link should
  keep pointing at the edited file. The rules apply to the file the link resolves to.
- An existing file is replaced only when the caller says `force`; the replacement is written beside it and
  renamed over it, so the old node is never opened and a crash never leaves half a config.
- A file livetop creates is mode 0600 from its first byte (it may hold inline secrets).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

PRIVATE_MODE = 0o600

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class WriteRefused(Exception):
    """livetop will not write there. `exists` marks the one case `--force` fixes; `fix` is None then,
    for the command to name its own flag."""

    def __init__(self, path: str | os.PathLike, problem: str, fix: str | None, exists: bool = False) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        self.exists = exists
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.path or repr('')}: {self.problem}"
        return text + (f"\n  fix: {self.fix}" if self.fix else "")


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _not_regular(path: Path, mode: int, via: Path | None = None) -> WriteRefused:
    kind = _kind(mode)
    problem = f"is {kind}, not a regular file" if via is None else f"links to {via}, which is {kind}"
    if stat.S_ISDIR(mode):
        fix = f"give a file name, e.g. {(via or path) / 'config.toml'}"
    else:
        fix = "give the path of a regular file (livetop writes nothing else)"
    return WriteRefused(path, problem, fix)


def writable_target(path: str | os.PathLike) -> tuple[Path, bool]:
    """(the file a write to `path` lands in, whether something is there already).

    Symlinks are resolved; raises `WriteRefused` for an empty path or anything but a regular file.
    """
    if str(path) == "":
        raise WriteRefused("", "the path is empty", "give a file name")
    path = Path(path)
    try:
        link = os.lstat(path)
    except FileNotFoundError:
        return path, False
    if not stat.S_ISLNK(link.st_mode):
        if not stat.S_ISREG(link.st_mode):
            raise _not_regular(path, link.st_mode)
        return path, True
    target = Path(os.path.realpath(path))
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return target, True  # a dangling link: the link itself is what exists
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode, via=target)
    return target, True


def write_private(path: str | os.PathLike, text: str, *, force: bool = False) -> Path:
    """Write `text` to the regular file at `path` with mode 0600, creating parent directories (0700).

    Raises `WriteRefused` (empty path, not a regular file, exists without `force`); OSError for anything the
    OS refuses. Returns the path as given.
    """
    target, exists = writable_target(path)
    path = Path(path)
    if exists and not force:
        raise WriteRefused(path, "already exists; not overwriting it", None, exists=True)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if exists:
        replace_file(target, text, PRIVATE_MODE)
        return path
    # O_EXCL creates a new regular file or fails: it never opens what appeared since the check above.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(target, flags, PRIVATE_MODE)
    except FileExistsError:
        raise WriteRefused(path, "already exists; not overwriting it", None, exists=True) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            os.fchmod(out.fileno(), PRIVATE_MODE)  # the umask may have taken bits the owner needs
            out.write(text)
    except BaseException:
        os.unlink(target)
        raise
    return path


def replace_file(target: Path, text: str, mode: int) -> None:
    """Write `text` beside `target` and rename it over, with `mode`. The old node is never opened."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            os.fchmod(out.fileno(), mode)
            out.write(text)
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def read_regular(path: Path) -> tuple[str, int] | None:
    """(text, permission bits) of the regular file at `path`, or None if there is none.

    Raises `WriteRefused` for anything else: reading a FIFO would block, and the caller means to replace it.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(mode):
        raise _not_regular(path, mode)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fh.fileno()).st_mode
        if not stat.S_ISREG(mode):  # swapped between the look and the open
            raise _not_regular(path, mode)
        return fh.read().decode("utf-8"), stat.S_IMODE(mode)
