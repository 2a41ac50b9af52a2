"""The functions the Tensor's methods are built from, kept outside the class so that the
files of its methods (`tensor_arithmetic.py`, ...) can share them without importing
tensor.py, which imports them:

- construction: `to_array`, `wrap` (the engine's fast constructor), `as_tensor`;
- operands and broadcasting: PyTorch's result dtype (`result_type`, `promote`), binary
  operations that make broadcasting visible (`binary_op`), and the functions of several
  tensors: `where`, `cat`, `stack`, `maximum`, `minimum`, `matmul`;
- argument helpers: `shape_args`, `normalize_dim`, `index_along`.

They take and make Tensors, but the class is defined above this file, in tensor.py: it
hands itself over when it is defined (`register_tensor_class`), as it does to primitive.py.
tensor.py re-exports these names, so `from tinygrad_edu.tensor import where` still works.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import ops
from .dtypes import as_dtype, get_default_dtype, promoted, true_division_dtype
from .grad_mode import thread_state
from .primitive import VersionCounter

# ---------------------------------------------------------------------------------------
# The Tensor class, registered by tensor.py
# ---------------------------------------------------------------------------------------

Tensor: type = type(None)  # replaced by the Tensor class when tensor.py is imported


def register_tensor_class(tensor_class: type) -> None:
    """Called once by tensor.py, right after the class is defined."""
    global Tensor
    Tensor = tensor_class


class MaxResult(NamedTuple):
    """What `max(dim)`/`min(dim)`, `sort` and `topk` return, as in PyTorch: values and
    the indices."""
    values: Tensor
    indices: Tensor


# ---------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------

NUMERIC_KINDS = "biufc"  # numpy's kinds of bool, int, unsigned int, float, complex


def to_array(data, dtype, copy: bool) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.array
    if isinstance(data, np.ndarray):
        array = data if dtype is None else data.astype(as_dtype(dtype), copy=False)
        _numeric(array, data)
        return array.copy() if copy and array is data else array
    try:
        array = np.array(data)
    except ValueError:  # numpy 2 refuses ragged nested lists
        array = np.array(None, dtype=object)
    if array.dtype == object:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} "
                        f"(ragged nested lists or non-numbers?)")
    _numeric(array, data)
    if dtype is not None:
        return array.astype(as_dtype(dtype), copy=False)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        return array.astype(get_default_dtype())  # Python floats: float32, as in PyTorch
    return array


def _numeric(array: np.ndarray, data) -> None:
    if array.dtype.kind not in NUMERIC_KINDS:
        raise TypeError(f"tensor: cannot make a tensor of dtype {array.dtype} (from "
                        f"{data!r:.40}); tensors hold bool, integer, float or complex numbers")


def wrap(array, node=None, counter: VersionCounter | None = None) -> Tensor:
    """The engine's fast constructor: a tensor for a result array (no checks, no copy).
    `counter` is the version counter of the tensor whose memory `array` views, if any."""
    t = Tensor.__new__(Tensor)
    t.array = array if type(array) is np.ndarray else np.asarray(array)
    t.grad = None
    t.node = node
    t.requires_grad = node is not None
    t.name = None
    t.retains_grad = False
    t.version_counter = counter
    t.is_view = counter is not None
    return t





def as_tensor(value, dtype=None) -> Tensor:
    """`value` itself if it is a Tensor (of that dtype), otherwise a constant tensor."""
    if isinstance(value, Tensor):
        return value if dtype is None or value.dtype == dtype else value.to(dtype)
    return wrap(to_array(value, dtype, copy=False))


# ---------------------------------------------------------------------------------------
# Operands and broadcasting
# ---------------------------------------------------------------------------------------

def _operand(value):
    """Tensors and Python numbers pass (a numpy scalar counts as a number); arrays and
    lists become constant tensors."""
    if isinstance(value, (Tensor, int, float)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return as_tensor(value)


def result_type(*operands) -> np.dtype:
    """The dtype of an operation on these operands by PyTorch's rule (see `dtypes.py`):
    tensors with dimensions decide; 0-d tensors, then Python numbers, only if of a higher
    category (bool < integer < floating).

    >>> import tinygrad_edu as tg
    >>> tg.result_type(tg.tensor([1, 2], dtype=tg.int32), tg.tensor(1.0, dtype=tg.double))
    dtype('float64')
    """
    dims, zero_dims, numbers = [], [], []
    for value in map(_operand, operands):
        if isinstance(value, Tensor):
            (dims if value.array.ndim else zero_dims).append(value.array.dtype)
        else:
            numbers.append(value)
    return promoted(dims, zero_dims, numbers)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(t: Tensor) -> bool:
    return t.is_floating_point()


def promote(name: str, *operands) -> list:
    """The operands of a binary operation in PyTorch's result dtype: numbers as numpy
    scalars of that dtype, and each tensor numpy would otherwise compute in another dtype
    cast to it (an int64 tensor beside a float32 one: numpy would give float64). A tensor
    numpy promotes correctly by itself (float32 beside float64) is left as it is."""
    values = [_operand(v) for v in operands]
    dtype = result_type(*values)
    if name == "div":
        dtype = true_division_dtype(dtype)
    return [_in_dtype(v, dtype) for v in values]


_NUMBERS = (int, float)


def _in_dtype(value, dtype: np.dtype):
    if not isinstance(value, Tensor):
        return dtype.type(value)
    own = value.array.dtype
    if own is dtype or np.promote_types(own, dtype) == dtype and own.kind == dtype.kind:
        return value
    return value.to(dtype) if value.requires_grad else wrap(value.array.astype(dtype))


def binary_op(op, x, y) -> Tensor:
    # Speed: the common cases skip `promote`: two tensors of one dtype, and a float tensor
    # beside a Python number (which takes the tensor's dtype)
    if isinstance(x, Tensor) and isinstance(y, Tensor):
        if x.array.dtype is not y.array.dtype or op is ops.div and x.array.dtype.kind != "f":
            x, y = promote(op.name, x, y)
    elif isinstance(x, Tensor) and type(y) in _NUMBERS and x.array.dtype.kind == "f":
        y = x.array.dtype.type(y)
    elif isinstance(y, Tensor) and type(x) in _NUMBERS and y.array.dtype.kind == "f":
        x = y.array.dtype.type(x)
    else:
        x, y = promote(op.name, x, y)
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x.array.shape != y.array.shape:
        shape = broadcast_shape(op.name, x.array.shape, y.array.shape)
        x, y = _expand_for_grad(x, shape), _expand_for_grad(y, shape)
    return op(x, y)


def broadcast_shape(name: str, *shapes) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"{name}: shapes {', '.join(map(str, shapes))} cannot be "
                         f"broadcast together") from None


def _expand_for_grad(x: Tensor, shape) -> Tensor:
    """Make broadcasting visible where it matters: an input that needs a gradient gets an
    `expand` node (whose VJP sums the gradient back); a constant is left to numpy."""
    if x.requires_grad and x.shape != shape and thread_state.enabled:
        return ops.expand(x, shape=shape)
    return x


def broadcast_to(x: Tensor, shape) -> Tensor:
    shape = tuple(shape)
    if x.shape == shape:
        return x
    if broadcast_shape("expand", x.shape, shape) != shape:
        raise ValueError(f"expand: cannot expand shape {x.shape} to {shape}")
    return ops.expand(x, shape=shape)


def where(condition, x, y) -> Tensor:
    """`x` where `condition` holds, else `y` (numpy's broadcasting); no gradient to the
    condition."""
    if not isinstance(condition, Tensor):
        condition = np.asarray(condition, dtype=bool)
    elif condition.array.dtype != np.bool_:
        condition = condition != 0  # numpy's truth of numbers, as a mask the engine made
    x, y = promote("where", x, y)
    shapes = [v.shape if isinstance(v, Tensor) else np.shape(v) for v in (condition, x, y)]
    shape = broadcast_shape("where", *shapes)
    x = _expand_for_grad(x, shape) if isinstance(x, Tensor) else x
    y = _expand_for_grad(y, shape) if isinstance(y, Tensor) else y
    return ops.where(condition, x, y)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension `dim` (PyTorch's `torch.cat`)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = tensors[0]
    if first.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    axis = normalize_dim("cat", dim, first.ndim)
    for i, t in enumerate(tensors):
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1:] != \
                first.shape[:axis] + first.shape[axis + 1:]:
            raise ValueError(f"cat: tensor {i} has shape {t.shape}, which does not match "
                             f"{first.shape} outside dimension {axis}")
    return tensors[0] if len(tensors) == 1 else ops.cat(len(tensors))(*tensors, axis=axis)


def stack(tensors, dim: int = 0) -> Tensor:
    """Join tensors of equal shape along a new dimension `dim` (PyTorch's `torch.stack`)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: expected a non-empty sequence of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise ValueError(f"stack: tensor {i} has shape {t.shape}, expected "
                             f"{tensors[0].shape} (all tensors must have the same shape)")
    axis = normalize_dim("stack", dim, tensors[0].ndim + 1)
    return cat([t.unsqueeze(axis) for t in tensors], axis)


def maximum(x, y) -> Tensor:
    """Elementwise maximum; where x == y each side gets half of the gradient."""
    return binary_op(ops.maximum, x, y)


def minimum(x, y) -> Tensor:
    x, y = as_tensor(x), as_tensor(y)
    broadcast_shape("minimum", x.shape, y.shape)  # an error names minimum, not its maximum
    return -maximum(-x, -y)


def same_dtype(name: str, *tensors: Tensor) -> None:
    """Matrix products take operands of one dtype, as in PyTorch, which raises rather than
    promote: a float32 layer given float64 data would otherwise silently compute, and
    return, float64."""
    first = tensors[0].array.dtype
    for t in tensors[1:]:  # a loop, not a generator: this runs on every layer's forward
        if t.array.dtype != first:
            raise RuntimeError(f"{name}: the operands must have the same dtype, but got "
                               f"{first} and {t.array.dtype}; convert one with .to(dtype), "
                               f"e.g. x.float() for a float32 layer")


def matmul(x, y) -> Tensor:
    """numpy's matmul (1-D, 2-D and batched), with the shapes named when they do not fit.
    Two tensors must have one dtype, as in PyTorch; an array operand is numpy's business."""
    tensors = isinstance(x, Tensor) and isinstance(y, Tensor)
    x, y = as_tensor(x), as_tensor(y)
    xs, ys = x.array.shape, y.array.shape
    if not xs or not ys:
        raise ValueError(f"matmul: both operands need at least one dimension, got "
                         f"{xs} @ {ys}")
    inner_y = ys[0] if len(ys) == 1 else ys[-2]
    if xs[-1] != inner_y:
        raise ValueError(f"matmul: {xs} @ {ys}: the inner dimensions {xs[-1]} and "
                         f"{inner_y} differ")
    if tensors:
        same_dtype("matmul", x, y)
    return ops.matmul(x, y)


# ---------------------------------------------------------------------------------------
# Argument helpers
# ---------------------------------------------------------------------------------------

def shape_args(args) -> tuple[int, ...]:
    """Accept both `f(2, 3)` and `f((2, 3))`."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def normalize_dim(name: str, dim: int, ndim: int) -> int:
    """`dim` (negative counts from the end) as an axis of `ndim` dimensions, or an IndexError
    naming the operation; 0-d tensors accept 0 and -1, as in PyTorch."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{name}: dimension {dim} is out of range (expected one in "
                         f"[{-size}, {size - 1}])")
    return dim % size


def index_along(axis: int, index: np.ndarray) -> tuple:
    """The numpy index that picks, for each position of `index`, the entry index[...]
    along `axis` and the same position along the others (gather's rule)."""
    return tuple(index if a == axis else
                 np.arange(n).reshape([-1 if b == a else 1 for b in range(index.ndim)])
                 for a, n in enumerate(index.shape))
