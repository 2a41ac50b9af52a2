"""Writing files safely: the one helper every writer in the package uses."""

from __future__ import annotations

import os
import uuid
from pathlib import Path


def write_atomically(path: str | os.PathLike, data: bytes, caller: str) -> Path:
    """Write `data` to a new file beside `path`, then rename it over `path` in one step.

    A failure at any point (serialising, a full disk, the rename) leaves any previous file
    at `path` as it was and no temporary file behind. `caller` names the operation in the
    error for a missing folder.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> write_atomically(target, b"hello", "example").read_bytes()
    b'hello'
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{caller}: folder {path.parent} does not exist")
    # open(..., "xb") makes a new file (never someone else's) with the usual permissions
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(temporary, "xb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())  # the bytes are on disk before the name points at them
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return path
