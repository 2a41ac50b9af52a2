"""Writing and opening files safely: the helpers every writer and loader in the package uses."""

from __future__ import annotations

import os
import re
import stat
import time
import uuid
from pathlib import Path
from typing import BinaryIO

# A temporary file is `.<name>.<12 hex digits>.tmp` beside its target: hidden, and a name no
# user picks, so that a later save can recognise (and remove) one a killed save left behind
TEMPORARY = ".{name}.{tag}.tmp"


def write_atomically(path: str | os.PathLike, data: bytes, caller: str) -> Path:
    """Write `data` to a new file beside `path`, then rename it over `path` in one step.

    A failure at any point (serialising, a full disk, the rename) leaves any previous file
    at `path` as it was and no temporary file behind; after a power cut the folder holds the
    old file or the new one, never a mixture (the data and then the folder are fsynced).
    The new file keeps an existing file's permission bits. A symlink at `path` is followed:
    its target is replaced and the link stays. Temporary files that an earlier save of the
    same name left behind when it was killed (older than this save) are removed. `caller`
    names the operation in the error for a missing folder.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_atomically(target, b"hello", "example").read_bytes()
    b'hello'
    """
    started = time.time_ns()
    path = Path(path)
    target = Path(os.path.realpath(path))  # through symlinks: replace what the link points at
    if not target.parent.is_dir():
        raise FileNotFoundError(f"{caller}: folder {path.parent} does not exist")
    mode = _mode_of(target)
    # open(..., "xb") makes a new file (never someone else's) with the usual permissions
    temporary = target.with_name(TEMPORARY.format(name=target.name, tag=uuid.uuid4().hex[:12]))
    try:
        with open(temporary, "xb") as file:
            if mode is not None:
                os.chmod(file.fileno(), mode)  # before any byte: never readable by more
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)  # the rename itself is on disk
    _remove_stale_temporaries(target, started)
    return path


def _mode_of(target: Path) -> int | None:
    """The permission bits of an existing regular file at `target`, or None."""
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else None


def _fsync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename in it survives a power cut (POSIX; Windows cannot
    open a folder, and its renames are journaled)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_stale_temporaries(target: Path, started: int) -> None:
    """Remove `.<name>.<tag>.tmp` files of `target` last written before `started` (ns): left
    by a save that was killed. A save still running writes its temporary after it began,
    and a save that began before this one has finished writing unless it hangs."""
    pattern = re.compile(re.escape(TEMPORARY.format(name=target.name, tag="@"))
                         .replace("@", "[0-9a-f]{12}") + r"\Z")
    with os.scandir(target.parent) as entries:
        for entry in entries:
            if pattern.match(entry.name) and entry.is_file(follow_symlinks=False):
                try:
                    if entry.stat(follow_symlinks=False).st_mtime_ns < started:
                        os.unlink(entry.path)
                except FileNotFoundError:  # another save removed it first
                    pass


def open_regular(path: Path, caller: str) -> BinaryIO:
    """Open `path` for reading, refusing (before opening) anything but a regular file: a
    FIFO would block the interpreter, a directory or a device gives errors without the path.
    Every error names `caller` and the path."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise FileNotFoundError(f"{caller}: {path} does not exist") from None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"{caller}: {path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{caller}: {path} is not a regular file (it is a "
                         f"{_kind(info.st_mode)}); give the path of a file")
    # O_NONBLOCK: if the path became a FIFO since the check, opening still returns at once
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError(f"{caller}: {path} is not a regular file")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"
