"""Making tensors: from data, filled, ranges, and random (seeded by `manual_seed`)."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor, as_dtype, float32, shape_args, to_array

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Seed the generator behind `rand`, `randn` and the layers' initialisation."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """The generator that `manual_seed` seeds (for code that draws its own numbers)."""
    return _generator


def tensor(data, dtype=None, requires_grad: bool = False, name: str | None = None) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, an array or a tensor).

    Python floats become float32, as in PyTorch; numpy arrays keep their dtype.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([[1.0, 2.0]], requires_grad=True)
    tensor([[1., 2.]], requires_grad=True)
    """
    return Tensor(to_array(data, dtype, copy=True), requires_grad=requires_grad, name=name)


def _filled(fill, size, dtype, requires_grad) -> Tensor:
    shape = shape_args(size)
    return Tensor(np.full(shape, fill, dtype=as_dtype(dtype or float32)),
                  requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, size, dtype, requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(1, size, dtype, requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(fill_value, (size,), dtype, requires_grad)


def zeros_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(0, (t.shape,), dtype or t.dtype, requires_grad)


def ones_like(t: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return _filled(1, (t.shape,), dtype or t.dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.eye(n, m, dtype=as_dtype(dtype or float32)), requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Like `torch.arange`: integers give int64, any float gives float32."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = float32 if floats else np.int64
    return Tensor(np.arange(start, end, step, dtype=as_dtype(dtype)),
                  requires_grad=requires_grad)


def rand(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    data = _generator.random(shape_args(size), dtype=as_dtype(dtype or float32))
    return Tensor(data, requires_grad=requires_grad)


def randn(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """Standard normal N(0, 1)."""
    data = _generator.standard_normal(shape_args(size), dtype=as_dtype(dtype or float32))
    return Tensor(data, requires_grad=requires_grad)
