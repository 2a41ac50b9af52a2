"""Weights on disk: `tg.save(state_dict, path)` and `tg.load(path)` in the safetensors format.

A safetensors file is a small JSON header (name -> dtype, shape, byte range) followed by the
raw bytes of each tensor. Reading it parses JSON and copies bytes, so loading a file never
runs code (unlike pickle, which PyTorch's `torch.save` uses). Both directions are written
here, in a few lines, rather than with the safetensors library: every header field is
checked against the file's size before a byte of data is read, every error names the file,
and a failure is a Python exception (the library's Rust code panics under memory pressure,
with an exception that `except Exception` does not catch). The same file loads in PyTorch
with `safetensors.torch.load_file` (the tests read our files with that library); since our
names and layouts follow PyTorch's (`0.weight`, weight shape (out, in)), the result goes
straight into `model.load_state_dict`.
"""

from __future__ import annotations

import json
import math
import os
import struct
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from .files import open_regular, write_atomically
from .tensor import Tensor


def save(state_dict: Mapping[str, Tensor | np.ndarray], path: str | os.PathLike) -> None:
    """Write `state_dict` (names -> Tensors or arrays) to `path` as a safetensors file.

    dtypes are kept (float32 stays float32); each tensor is stored contiguous. The write is
    atomic: the data goes to a temporary file in the same folder, which then replaces
    `path`, so a failure leaves any previous file at `path` as it was.

    >>> import pathlib, tempfile, tinygrad_edu as tg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.safetensors"
    >>> tg.save({"0.weight": tg.ones(3, 4), "0.bias": tg.zeros(3)}, path)
    >>> loaded = tg.load(path)
    >>> loaded["0.weight"].shape, loaded["0.weight"].dtype
    ((3, 4), dtype('float32'))
    """
    write_atomically(Path(path), _serialise(_to_arrays(state_dict)), "save")


def load(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read a safetensors file into a dict of Tensors (names as saved, dtypes kept).

    bfloat16 tensors (what most PyTorch checkpoints hold) load as float32, exactly: a
    bfloat16 is the top half of a float32. Nothing in the file runs: the header is JSON,
    checked against the file's size before any tensor is read, and the data is copied into
    arrays. Every error names the file: a truncated or corrupt file is a ValueError; a
    dtype numpy lacks (the float8 kinds) a TypeError; a PyTorch pickle (`torch.save`'s
    .pt/.pth) is recognised, never unpickled, and the error says how to convert it; a
    folder, FIFO or device is refused before it is opened; too little memory for a tensor
    is a MemoryError.

    >>> import numpy as np, pathlib, tempfile, tinygrad_edu as tg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> tg.save({"w": np.arange(3.0)}, path)
    >>> tg.load(path)["w"]
    tensor([0., 1., 2.], dtype=float64)
    """
    path = Path(path)
    with open_regular(path, "load") as file:
        size = os.fstat(file.fileno()).st_size
        start = file.read(8)
        entries, data_start = _read_header(path, file, start, size)
        return {name: Tensor(_read_tensor(path, file, name, data_start, *entry))
                for name, entry in entries.items()}


# The dtype names of the safetensors format -> numpy (little-endian, as the format stores)
DTYPES = {"BOOL": "?", "U8": "u1", "I8": "i1", "U16": "<u2", "I16": "<i2", "U32": "<u4",
          "I32": "<i4", "U64": "<u8", "I64": "<i8", "F16": "<f2", "F32": "<f4",
          "F64": "<f8", "BF16": "<u2"}  # BF16: read as its bits, then widened to float32
FORMAT_NAMES = {np.dtype(code): name for name, code in DTYPES.items() if name != "BF16"}
HEADER_LIMIT = 100_000_000  # bytes of JSON; the safetensors library's own limit
PICKLE_ADVICE = ("tg.load never unpickles (unpickling can run any code). Convert it where "
                 "PyTorch is installed: `from safetensors.torch import save_file; "
                 "save_file(torch.load(path, weights_only=True), 'model.safetensors')`, "
                 "then tg.load the .safetensors file")


def _refuse_pickles(path: Path, file, start: bytes) -> None:
    """Recognise torch.save's formats by their first bytes, without unpickling: a zip
    archive holding `data.pkl` (PyTorch >= 1.6), or a bare pickle (protocol 2 and up,
    the older format)."""
    if start[:4] == b"PK\x03\x04":
        file.seek(0)
        try:
            names = zipfile.ZipFile(file).namelist()  # reads the archive's index only
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        what = ("a PyTorch checkpoint (torch.save's zip archive with data.pkl)"
                if any(n.endswith("data.pkl") for n in names) else "a zip archive")
        raise ValueError(f"load: {path} is not a valid safetensors file: it is {what}. "
                         + PICKLE_ADVICE)
    if len(start) >= 2 and start[0] == 0x80 and 2 <= start[1] <= 5:
        raise ValueError(f"load: {path} is not a valid safetensors file: it is a Python "
                         f"pickle (what torch.save writes, .pt/.pth). " + PICKLE_ADVICE)


def _read_header(path: Path, file, start: bytes, size: int) -> tuple[dict, int]:
    """The checked header: name -> (numpy dtype, shape, begin, format dtype name), and
    where the data starts. Offsets must tile the data exactly, as the format requires."""
    def corrupt(problem: str) -> ValueError:
        return ValueError(f"load: {path} is not a valid safetensors file (truncated or "
                          f"corrupt?): {problem}")

    if len(start) < 8:
        raise corrupt(f"{size} bytes, fewer than the 8 that give the header's size")
    (header_size,) = struct.unpack("<Q", start)
    if header_size > min(size - 8, HEADER_LIMIT):
        _refuse_pickles(path, file, start)  # only here: their first bytes are a huge size
        raise corrupt(f"its header claims {header_size} bytes, but the file has {size}")
    try:
        header = json.loads(file.read(header_size))
    except (UnicodeDecodeError, ValueError) as error:
        raise corrupt(f"its header is not JSON ({error})") from None
    if not isinstance(header, dict):
        raise corrupt("its header is not a JSON object")
    header.pop("__metadata__", None)
    data_start, data_size = 8 + header_size, size - 8 - header_size
    entries, spans = {}, []
    for name, info in header.items():
        try:
            dtype_name, shape = info["dtype"], tuple(info["shape"])
            begin, end = info["data_offsets"]
        except (TypeError, KeyError, ValueError):
            raise corrupt(f"the entry of {name!r} is not {{dtype, shape, data_offsets}}") \
                from None
        if not all(type(v) is int and v >= 0 for v in (*shape, begin, end)):
            raise corrupt(f"{name!r} has shape {list(shape)} and offsets {[begin, end]}; "
                          f"both must be non-negative integers")
        if dtype_name not in DTYPES:
            kind = "a dtype numpy lacks" if isinstance(dtype_name, str) and \
                dtype_name.startswith("F8") else "an unknown dtype"
            raise TypeError(f"load: {path}: tensor {name!r} has {kind}, {dtype_name!r}; "
                            f"tg.load reads {', '.join(DTYPES)}. Convert it where it was "
                            f"made (e.g. to float16 or float32)")
        dtype = np.dtype(DTYPES[dtype_name])
        if math.prod(shape) * dtype.itemsize != end - begin:
            raise corrupt(f"{name!r} of shape {list(shape)} and dtype {dtype_name} needs "
                          f"{math.prod(shape) * dtype.itemsize} bytes, its offsets give "
                          f"{end - begin}")
        entries[name] = (dtype, shape, begin, dtype_name)
        spans.append((begin, end, name))
    position = 0
    for begin, end, name in sorted(spans):
        if begin != position:
            raise corrupt(f"the data of {name!r} starts at byte {begin}, expected {position} "
                          f"(tensors must follow each other without gaps or overlaps)")
        position = end
    if position != data_size:
        raise corrupt(f"the header describes {position} bytes of data, the file holds "
                      f"{data_size}")
    return entries, data_start


def _read_tensor(path: Path, file, name: str, data_start: int, dtype: np.dtype,
                 shape: tuple[int, ...], begin: int, dtype_name: str) -> np.ndarray:
    """One tensor's bytes, read straight into a new array (no second copy)."""
    try:
        array = np.empty(shape, dtype=dtype)
        file.seek(data_start + begin)
        if file.readinto(memoryview(array.reshape(-1).view(np.uint8))) != array.nbytes:
            raise ValueError(f"load: {path} is not a valid safetensors file (truncated or "
                             f"corrupt?): it ended inside {name!r}")
        if dtype_name == "BF16":  # the 16 bits are the top half of a float32
            return (array.astype(np.uint32) << 16).view(np.float32)
        return array.astype(dtype.newbyteorder("="), copy=False)
    except MemoryError:
        raise MemoryError(f"load: not enough memory for tensor {name!r} of {path} (shape "
                          f"{list(shape)}, {dtype_name})") from None


def _serialise(arrays: dict[str, np.ndarray]) -> bytes:
    """The file's bytes: the header's size (8 bytes, little-endian), the JSON header padded
    with spaces to a multiple of 8, then each tensor's bytes, little-endian, in C order.
    Larger items first (then by name, as the safetensors library orders them): every
    tensor then starts at a multiple of its item size, so a reader may map it in place."""
    order = sorted(arrays, key=lambda name: (-arrays[name].dtype.itemsize, name))
    header, offset = {}, 0
    for name in order:
        array = arrays[name]
        header[name] = {"dtype": FORMAT_NAMES[array.dtype.newbyteorder("<")],
                        "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    data = (arrays[name].astype(arrays[name].dtype.newbyteorder("<"), copy=False).tobytes()
            for name in order)
    return b"".join([struct.pack("<Q", len(text)), text, *data])


def _to_arrays(state_dict: Mapping) -> dict[str, np.ndarray]:
    """Check names and values, and give each value as a C-contiguous array."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"save: expected a state dict (names -> tensors), got "
                        f"{type(state_dict).__name__}; for a model, pass model.state_dict()")
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(f"save: names must be str, got {name!r} "
                            f"({type(name).__name__})")
        if name == "__metadata__":
            raise ValueError("save: the name '__metadata__' is reserved by the safetensors "
                             "format (its header's metadata); rename that entry")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, "
                            f"expected a Tensor or an ndarray")
        array = value.array if isinstance(value, Tensor) else value
        if array.dtype.newbyteorder("<") not in FORMAT_NAMES:
            raise TypeError(f"save: {name!r} has dtype {array.dtype}; safetensors stores "
                            f"bool, integer and float tensors of 8 to 64 bits")
        arrays[name] = np.asarray(array, order="C")  # C order, and 0-d stays 0-d
    return arrays

