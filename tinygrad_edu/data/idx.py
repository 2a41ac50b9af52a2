"""The IDX format of MNIST and Fashion-MNIST: a tiny header, then one array in C order.

Layout (all sizes big-endian), as described on Yann LeCun's MNIST page:

    bytes 0-1   0x00 0x00                 (the magic number starts with two zero bytes)
    byte  2     dtype code                (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                           0x0D float32, 0x0E float64)
    byte  3     ndim
    then        ndim sizes, 4 bytes each  (e.g. 60000, 28, 28)
    then        the data, prod(sizes) items, big-endian

Files are often gzipped (`train-images-idx3-ubyte.gz`); `load_idx` reads both.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..files import open_regular

# dtype code -> numpy dtype as stored (big-endian)
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
GZIP_MAGIC = b"\x1f\x8b"
# DEFLATE (gzip's compression) cannot expand its input more than about 1032-fold (a run of
# 258 bytes costs at least 2 bits), so a header that claims more is lying: refused before
# anything is allocated or decompressed
MAX_GZIP_RATIO = 1032
CHUNK = 1 << 20  # read in 1 MiB pieces: gzip's readinto copies, so keep each copy small


def load_idx(path: str | os.PathLike) -> np.ndarray:
    """Read one IDX file (raw, or gzip-compressed) into a numpy array of native byte order.

    Compression is recognised by the file's first bytes, not its name. A wrong magic
    number, an unknown dtype code, or data shorter or longer than the header's sizes
    raises ValueError naming the file. Decompression stops at the header's declared size
    (one byte more is an error), and a size no gzip file of this length can hold is refused
    before anything is read; so a small .gz can never expand into a large array unannounced.

    >>> import pathlib, tempfile, tinygrad_edu as tg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny-idx1-ubyte"
    >>> _ = path.write_bytes(bytes([0, 0, 0x08, 1,  0, 0, 0, 3,  7, 8, 9]))  # uint8, (3,)
    >>> tg.data.load_idx(path)
    array([7, 8, 9], dtype=uint8)
    """
    path = Path(path)
    with open_regular(path, "load_idx") as raw:
        size = os.fstat(raw.fileno()).st_size
        compressed = raw.read(2) == GZIP_MAGIC
        raw.seek(0)
        if not compressed:
            return _read_idx(raw, path, available=size)
        try:
            with gzip.GzipFile(fileobj=raw) as f:
                return _read_idx(f, path, available=None, at_most=size * MAX_GZIP_RATIO)
        except (OSError, EOFError, zlib.error) as error:
            # a damaged or cut-off .gz stream: say which file, not just zlib's words
            raise ValueError(f"load_idx: {path} is not a valid gzip file ({error})") from error


def _read_idx(f: BinaryIO, path: Path, available: int | None,
              at_most: int | None = None) -> np.ndarray:
    """Parse the header, check the sizes, then read the data once, straight into the array.
    `available` is the exact size of raw data, `at_most` a bound on decompressed data."""
    dtype, shape = _read_header(f, path)
    header_bytes = 4 + 4 * len(shape)
    nbytes = math.prod(shape) * dtype.itemsize
    if at_most is not None and header_bytes + nbytes > at_most:
        raise ValueError(f"load_idx: {path} claims shape {shape} of {dtype.name} ({nbytes} "
                         f"bytes), more than a gzip file of its size can expand to "
                         f"({at_most} bytes at gzip's largest ratio, {MAX_GZIP_RATIO}:1)")
    if available is not None and available - header_bytes != nbytes:
        problem = "truncated" if available - header_bytes < nbytes else "too long"
        raise ValueError(f"load_idx: {path} is {problem}: its header says shape {shape} of "
                         f"{dtype.name} ({nbytes} bytes), but {available - header_bytes} "
                         f"bytes of data follow")
    try:
        array = np.empty(shape, dtype=dtype)
    except (MemoryError, ValueError):  # numpy says ValueError when the size overflows
        raise ValueError(f"load_idx: {path} claims shape {shape} of {dtype.name} "
                         f"({nbytes} bytes), more than fits in memory") from None
    filled = _read_into(f, memoryview(array.reshape(-1).view(np.uint8)))
    if filled < nbytes:
        raise ValueError(f"load_idx: {path} is truncated: its header says shape {shape} of "
                         f"{dtype.name} ({nbytes} bytes), but only {filled} bytes follow")
    if f.read(1):
        raise ValueError(f"load_idx: {path} is too long: more than the {nbytes} bytes that "
                         f"shape {shape} of {dtype.name} needs follow the header")
    if dtype.byteorder == ">":
        # swap the bytes in place (no second copy), then relabel the memory as native order
        array = array.byteswap(inplace=True).view(dtype.newbyteorder("="))
    return array


def _read_header(f: BinaryIO, path: Path) -> tuple[np.dtype, tuple[int, ...]]:
    magic = f.read(4)
    if len(magic) < 4 or magic[0] != 0 or magic[1] != 0:
        raise ValueError(f"load_idx: {path} is not an IDX file: its magic number "
                         f"{magic.hex() or '(empty)'} does not start with two zero bytes")
    code, ndim = magic[2], magic[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"load_idx: {path} has unknown dtype code 0x{code:02X} "
                         f"(known: {known})")
    sizes = f.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(f"load_idx: {path} is truncated inside its header "
                         f"({ndim} sizes announced, {len(sizes) // 4} present)")
    shape = tuple(int(s) for s in np.frombuffer(sizes, dtype=">u4"))
    return IDX_DTYPES[code], shape


def _read_into(f: BinaryIO, buffer: memoryview) -> int:
    """Fill `buffer` from `f` chunk by chunk; return how many bytes arrived before EOF."""
    filled = 0
    while filled < len(buffer):
        n = f.readinto(buffer[filled:filled + CHUNK])
        if not n:
            break
        filled += n
    return filled
