"""Making tensors, with PyTorch's names and arguments: from data, filled, ranges, random.

Sizes are given as PyTorch allows, `zeros(2, 3)` or `zeros((2, 3))`. Every function takes
`dtype=`, `device=` (the CPU only, see `tg.device`) and `requires_grad=`; the random ones
take `generator=` (a `tg.Generator`) and otherwise draw from the default generator that
`tg.manual_seed` seeds. Floats are float32 unless `tg.set_default_dtype` says otherwise.
"""

from __future__ import annotations

import numpy as np

from . import generator as rng
from . import tensor as tensor_module
from .device import check_device
from .dtypes import as_dtype, get_default_dtype, number_dtype
from .generator import Generator, manual_seed
from .tensor import Tensor, shape_args, to_array

__all__ = ["Generator", "manual_seed"]  # re-exported: where `tg.creation` users find them


def generator() -> np.random.Generator:
    """numpy's generator behind the default generator (for code that draws its own)."""
    return rng.generator()


def _made(array: np.ndarray, device, requires_grad: bool) -> Tensor:
    check_device(device)
    return Tensor(array, requires_grad=requires_grad)


def _float(dtype) -> np.dtype:
    return get_default_dtype() if dtype is None else as_dtype(dtype)


def tensor(data, dtype=None, device=None, requires_grad: bool = False,
           name: str | None = None) -> Tensor:
    """A new tensor holding a copy of `data` (a number, nested lists, an array or a tensor).

    Python floats become float32, as in PyTorch; numpy arrays keep their dtype.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([[1.0, 2.0]], requires_grad=True)
    tensor([[1., 2.]], requires_grad=True)
    """
    t = _made(to_array(data, dtype, copy=True), device, requires_grad)
    t.name = name
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory when it can (a tensor, or an array of that dtype).

    >>> import numpy as np, tinygrad_edu as tg
    >>> a = np.zeros(2)
    >>> t = tg.as_tensor(a)
    >>> a[0] = 5
    >>> t
    tensor([5., 0.], dtype=float64)
    """
    check_device(device)
    return tensor_module.as_tensor(data, dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing the memory of a numpy array (changes show in both), as PyTorch's.

    >>> import numpy as np, tinygrad_edu as tg
    >>> a = np.ones(3)
    >>> t = tg.from_numpy(a)
    >>> a += 1
    >>> t
    tensor([2., 2., 2.], dtype=float64)
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _filled(fill, size, dtype, device, requires_grad) -> Tensor:
    dtype = number_dtype(fill) if dtype is None and not isinstance(fill, float) else dtype
    return _made(np.full(shape_args(size), fill, dtype=_float(dtype)), device, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0.0, size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(1.0, size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """PyTorch leaves the memory unset; here it holds zeros (no stray NaN to trip on)."""
    return _filled(0.0, size, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere; its kind gives the dtype (7 -> int64, 1.5 -> float32)."""
    return _filled(fill_value, (size,), dtype, device, requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(1.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(0.0, (t.shape,), dtype or t.dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _filled(fill_value, (t.shape,), dtype or t.dtype, device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None,
        requires_grad: bool = False) -> Tensor:
    return _made(np.eye(n, m, dtype=_float(dtype)), device, requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None,
           requires_grad: bool = False) -> Tensor:
    """Like `torch.arange`: integers give int64, any float gives float32 (`arange(0, 1,
    0.25)` is [0, 0.25, 0.5, 0.75]: the end is left out)."""
    if end is None:
        start, end = 0, start
    if dtype is None:
        floats = any(isinstance(v, float) for v in (start, end, step))
        dtype = get_default_dtype() if floats else np.int64
    return _made(np.arange(start, end, step, dtype=as_dtype(dtype)), device, requires_grad)


def linspace(start, end, steps: int, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced numbers from start to end, both included."""
    return _made(np.linspace(start, end, steps, dtype=_float(dtype)), device, requires_grad)


def logspace(start, end, steps: int, base: float = 10.0, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps)."""
    return _made(np.logspace(start, end, steps, base=base, dtype=_float(dtype)), device,
                 requires_grad)


# ---------------------------------------------------------------------------------------
# Random
# ---------------------------------------------------------------------------------------

def rand(*size, generator: Generator | None = None, dtype=None, device=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform on [0, 1)."""
    values = rng.uniform(shape_args(size), _float(dtype), given=generator)
    return _made(values, device, requires_grad)


def randn(*size, generator: Generator | None = None, dtype=None, device=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal N(0, 1)."""
    values = rng.normal(shape_args(size), _float(dtype), given=generator)
    return _made(values, device, requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def randint(*args, size=None, generator: Generator | None = None, dtype=None,
            device=None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high): `randint(high, size)` or
    `randint(low, high, size)`, int64 unless `dtype` says otherwise.

    >>> import tinygrad_edu as tg
    >>> tg.randint(3, 10, (2, 2)).shape, tg.randint(5, (3,)).dtype
    ((2, 2), dtype('int64'))
    """
    if size is None:
        *args, size = args
    low, high = (0, *args) if len(args) == 1 else args
    values = rng.generator(generator).integers(low, high, shape_args((size,)))
    return _made(values.astype(as_dtype(dtype or np.int64)), device, requires_grad)


def randint_like(t, low=0, high=None, dtype=None, device=None) -> Tensor:
    """Like `randint` with t's shape and dtype; `randint_like(t, high)` draws from [0, high)."""
    low, high = (0, low) if high is None else (low, high)
    return randint(low, high, t.shape, dtype=dtype or t.dtype, device=device)


def randperm(n: int, generator: Generator | None = None, dtype=None, device=None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0, ..., n - 1 (int64)."""
    values = rng.generator(generator).permutation(n).astype(as_dtype(dtype or np.int64))
    return _made(values, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, generator: Generator | None = None,
           dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Draws from N(mean, std^2): `mean` and `std` are numbers (then give `size`) or
    tensors (one draw per entry, broadcast), as `torch.normal`."""
    mean, std = (m.numpy() if isinstance(m, Tensor) else m for m in (mean, std))
    shape = np.broadcast_shapes(np.shape(mean), np.shape(std)) if size is None \
        else shape_args((size,))
    dtype = next((m.dtype for m in (mean, std) if isinstance(m, np.ndarray)), dtype)
    return _made(rng.normal(shape, _float(dtype), mean, std, generator), device,
                 requires_grad)


def bernoulli(input, generator: Generator | None = None) -> Tensor:
    """1 with probability input[i], else 0, in the dtype of `input`."""
    p = input.numpy() if isinstance(input, Tensor) else np.asarray(input)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("bernoulli: probabilities must be in [0, 1]")
    return Tensor((rng.generator(generator).random(p.shape) < p).astype(p.dtype))


def multinomial(input, num_samples: int, replacement: bool = False,
                generator: Generator | None = None) -> Tensor:
    """Indices drawn with the weights in each row of `input` (1-D or 2-D), int64."""
    weights = np.atleast_2d(input.numpy() if isinstance(input, Tensor) else input)
    if np.any(weights < 0) or np.any(weights.sum(axis=-1) <= 0):
        raise ValueError("multinomial: weights must be >= 0 with a positive sum per row")
    if not replacement and num_samples > weights.shape[-1]:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                         f"replacement from {weights.shape[-1]} categories")
    draw = rng.generator(generator)
    rows = [draw.choice(len(w), num_samples, replace=replacement, p=w / w.sum())
            for w in weights.astype(np.float64)]
    out = np.array(rows, dtype=np.int64)
    return Tensor(out if np.ndim(input) == 2 else out[0])
