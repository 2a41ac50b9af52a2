"""Weights on disk: `tg.save(state_dict, path)` and `tg.load(path)` in the safetensors format.

A safetensors file is a small JSON header (name -> dtype, shape, byte range) followed by the
raw bytes of each tensor. Reading it parses JSON and copies bytes, so loading a file never
runs code (unlike pickle, which PyTorch's `torch.save` uses). The same file loads in PyTorch
with `safetensors.torch.load_file`; since our names and layouts follow PyTorch's (`0.weight`,
weight shape (out, in)), the result goes straight into `model.load_state_dict`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError

from .files import write_atomically
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
    arrays = _to_arrays(state_dict)
    path = Path(path)
    try:
        data = safetensors.numpy.save(arrays)
    except SafetensorError as error:
        raise ValueError(f"save: cannot write {path} as safetensors: {error}") from error
    write_atomically(path, data, "save")


def load(path: str | os.PathLike) -> dict[str, Tensor]:
    """Read a safetensors file into a dict of Tensors (names as saved, dtypes kept).

    A truncated or corrupt file raises ValueError naming the file.

    >>> import numpy as np, pathlib, tempfile, tinygrad_edu as tg
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "w.safetensors"
    >>> tg.save({"w": np.arange(3.0)}, path)
    >>> tg.load(path)["w"]
    tensor([0., 1., 2.], dtype=float64)
    """
    path = Path(path)
    try:
        arrays = safetensors.numpy.load_file(path)
    except SafetensorError as error:
        raise ValueError(f"load: {path} is not a valid safetensors file "
                         f"(truncated or corrupt?): {error}") from error
    return {name: Tensor(array) for name, array in arrays.items()}


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
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: {name!r} is a {type(value).__name__}, "
                            f"expected a Tensor or an ndarray")
        array = value.array if isinstance(value, Tensor) else value
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: {name!r} has dtype {array.dtype}; safetensors stores "
                            f"bool, integer and float tensors")
        arrays[name] = np.asarray(array, order="C")  # C order, and 0-d stays 0-d
    return arrays

