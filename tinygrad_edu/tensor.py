"""Tensor: a numpy array that remembers how it was made.

A Tensor holds `data` (an `np.ndarray`), `requires_grad`, `grad`, and, when it was computed
from tensors that require grad, a `Node` (see `autograd.py`) naming the primitive and its
inputs. This file knows no primitive's mathematics: operators and methods hand their work
to `ops.py` (primitives) and `functional.py` (compositions). What it does own is the
PyTorch-like surface: dtypes, Python numbers and numpy arrays as operands, and broadcasting,
which it makes visible as an `expand` node so that primitives see inputs of equal shape.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

float32, float64 = np.float32, np.float64
int64, bool_ = np.int64, np.bool_

Scalar = int | float | bool


class Tensor:
    """An n-dimensional array with reverse-mode automatic differentiation.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad
    tensor([2., 4., 6.])
    """

    __slots__ = ("data", "grad", "requires_grad", "_node", "name", "_retains_grad",
                 "__weakref__")
    __array_ufunc__ = None  # `ndarray + Tensor` calls Tensor.__radd__, not numpy's loop

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        """Wrap `data` (array, list or number); numpy arrays are shared, not copied."""
        self.data = _to_array(data, dtype, copy=False)
        self.grad: Tensor | None = None
        self._node = None
        self.name = name
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    # -- properties -----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (no node); only leaves accumulate `.grad`."""
        return self._node is None

    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves and constants)."""
        return self._node

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    # -- gradients --------------------------------------------------------------------------
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place; only floating-point tensors can require grad."""
        if requires_grad and not np.issubdtype(self.dtype, np.floating):
            raise TypeError(f"requires_grad: only floating-point tensors can require "
                            f"gradients, got dtype {self.dtype}")
        if not requires_grad and self._node is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf "
                               "tensor; use detach()")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after `backward()`, as PyTorch does."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self._retains_grad = True

    def backward(self, gradient=None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is needed when self is not a scalar (it weights each entry). The graph's
        saved tensors are freed afterwards unless `retain_graph=True`; `create_graph=True`
        records the backward pass so that the gradients can be differentiated again.
        """
        autograd.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same data (shared, not copied), cut from the graph."""
        return wrap(self.data)

    # -- conversion ---------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as an `np.ndarray` (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self) -> Scalar:
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def to(self, dtype) -> Tensor:
        """This tensor in another dtype (differentiable: the gradient is cast back)."""
        dtype = as_dtype(dtype)
        return self if dtype == self.dtype else ops.cast(self, dtype=dtype)

    astype = to

    def float(self) -> Tensor:
        return self.to(float32)

    def double(self) -> Tensor:
        return self.to(float64)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(",
                               precision=4, suppress_small=True)
        extras = [] if self.dtype == float32 else [f"dtype={self.dtype}"]
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.op.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"bool: a tensor of shape {self.shape} has no single truth "
                             f"value; use t.numpy().all() or t.numpy().any()")
        return bool(self.data)

    def __setitem__(self, index, value):
        raise TypeError("Tensor does not support item assignment (it would silently break "
                        "gradients); build a new tensor with tg.where, tg.cat or indexing")

    __hash__ = object.__hash__  # comparisons return tensors, so hash by identity

    # -- in place, outside any graph: `with tg.no_grad(): w -= lr * w.grad` -----------------
    def __iadd__(self, other): return self._in_place("+=", np.add, other)
    def __isub__(self, other): return self._in_place("-=", np.subtract, other)
    def __imul__(self, other): return self._in_place("*=", np.multiply, other)
    def __itruediv__(self, other): return self._in_place("/=", np.divide, other)

    def zero_(self) -> Tensor:
        """Set every entry to 0 in place, as PyTorch's `zero_` (e.g. `w.grad.zero_()`)."""
        return self._in_place("zero_", np.multiply, 0, zero=True)

    def _in_place(self, name: str, ufunc, other, zero: bool = False) -> Tensor:
        """Change this tensor's numbers where they are (the tensor keeps its identity, its
        `requires_grad` and its `.grad`), as PyTorch does, and under PyTorch's rule: never
        while recording a tensor that requires grad, and never a tensor made by an
        operation (a graph may still need its old numbers: there is no version check)."""
        if self._node is not None or (self.requires_grad and autograd.is_grad_enabled()):
            raise RuntimeError(
                f"{name}: a tensor that requires grad cannot be changed in place while grad "
                f"mode is on, nor one computed by an operation; update parameters inside "
                f"`with tg.no_grad():`, as in PyTorch")
        try:
            if zero:
                self.data.fill(0)
            else:
                ufunc(self.data, _raw(other), out=self.data, casting="same_kind")
        except (TypeError, ValueError) as error:
            raise autograd.builtin_kind(error)(f"{name}: {error}") from None
        return self

    # -- arithmetic (primitives; broadcasting inserts a visible `expand`) -------------------
    def __add__(self, other): return _binary(ops.add, self, other)
    def __radd__(self, other): return _binary(ops.add, other, self)
    def __sub__(self, other): return _binary(ops.sub, self, other)
    def __rsub__(self, other): return _binary(ops.sub, other, self)
    def __mul__(self, other): return _binary(ops.mul, self, other)
    def __rmul__(self, other): return _binary(ops.mul, other, self)
    def __truediv__(self, other): return _binary(ops.div, self, other)
    def __rtruediv__(self, other): return _binary(ops.div, other, self)
    def __pow__(self, other): return _binary(ops.pow, self, other)
    def __rpow__(self, other): return _binary(ops.pow, other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __getitem__(self, index): return ops.getitem(self, index=_index(index))

    # -- comparisons: plain boolean tensors, no gradient ------------------------------------
    def __eq__(self, other): return wrap(self.data == _raw(other))
    def __ne__(self, other): return wrap(self.data != _raw(other))
    def __lt__(self, other): return wrap(self.data < _raw(other))
    def __le__(self, other): return wrap(self.data <= _raw(other))
    def __gt__(self, other): return wrap(self.data > _raw(other))
    def __ge__(self, other): return wrap(self.data >= _raw(other))
    def __invert__(self): return wrap(~self.data)
    def __and__(self, other): return wrap(self.data & _raw(other))
    def __or__(self, other): return wrap(self.data | _raw(other))

    # -- elementwise -------------------------------------------------------------------------
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def abs(self): return ops.abs(self)
    def tanh(self): return ops.tanh(self)
    def sigmoid(self): return ops.sigmoid(self)
    def relu(self): return ops.relu(self)
    def softplus(self): return ops.softplus(self)
    def sqrt(self): return self ** 0.5
    def square(self): return self * self

    def clip(self, min=None, max=None):
        return functional.clip(self, min, max)

    clamp = clip

    # -- reductions: PyTorch's dim/keepdim or numpy's axis/keepdims ---------------------------
    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keep = _reduction_args(self.ndim, dim, keepdim, axis, keepdims)
        return ops.sum(self, axis=axes, keepdims=keep)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        axes, keep = _reduction_args(self.ndim, dim, keepdim, axis, keepdims)
        return ops.sum(self, axis=axes, keepdims=keep) / _count(self.shape, axes)

    def var(self, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
        """Variance with PyTorch's default `correction=1` (numpy's `ddof`)."""
        axes, keep = _reduction_args(self.ndim, dim, keepdim, axis, keepdims)
        centred = self - self.mean(axis=axes, keepdims=True)
        return (centred * centred).sum(axis=axes, keepdims=keep) / \
            max(_count(self.shape, axes) - correction, 0)

    def std(self, dim=None, keepdim=False, *, correction=1, axis=None, keepdims=None):
        return self.var(dim, keepdim, correction=correction, axis=axis, keepdims=keepdims) ** 0.5

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Full max, or with `dim` (PyTorch) the pair (values, indices); with `axis` (numpy)
        the values. Tied maxima share the gradient equally."""
        return self._extremum(1, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Like `max`: with `dim` the pair (values, indices)."""
        return self._extremum(-1, dim, keepdim, axis, keepdims)

    def amax(self, dim=None, keepdim=False):
        axes, keep = _reduction_args(self.ndim, dim, keepdim, None, None)
        return ops.max(self, axis=axes, keepdims=keep)

    def amin(self, dim=None, keepdim=False):
        return -(-self).amax(dim, keepdim)

    def _extremum(self, sign, dim, keepdim, axis, keepdims):
        axes, keep = _reduction_args(self.ndim, dim if axis is None else axis, keepdim,
                                     None, keepdims)
        x = self if sign > 0 else -self
        values = ops.max(x, axis=axes, keepdims=keep)
        values = values if sign > 0 else -values
        if dim is None or isinstance(dim, tuple):
            return values
        index = np.argmax(x.data, axis=axes[0], keepdims=keep) if x.ndim else np.array(0)
        return MaxResult(values, wrap(index))

    def argmax(self, dim=None, keepdim=False):
        return wrap(np.argmax(self.data, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        return wrap(np.argmin(self.data, axis=dim, keepdims=keepdim))

    def logsumexp(self, dim, keepdim=False):
        return functional.logsumexp(self, dim, keepdim)

    def softmax(self, dim=-1):
        return functional.softmax(self, dim)

    def log_softmax(self, dim=-1):
        return functional.log_softmax(self, dim)

    # -- shapes ------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = _shape_args(shape)
        try:
            shape = _resolve_shape(self.data.size, shape)
        except ValueError as error:
            raise ValueError(f"reshape: cannot reshape {self.shape} into {shape}: {error}") \
                from None
        return self if shape == self.shape else ops.reshape(self, shape=shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start, end = _dim("flatten", start_dim, self.ndim), _dim("flatten", end_dim, self.ndim)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def unsqueeze(self, dim):
        dim = _dim("unsqueeze", dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dim = _dim("squeeze", dim, self.ndim)
        if self.ndim == 0 or self.shape[dim] != 1:
            return self
        return self.reshape(self.shape[:dim] + self.shape[dim + 1:])

    def permute(self, *dims):
        dims = tuple(_dim("permute", d, self.ndim) for d in _shape_args(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        return self if dims == tuple(range(self.ndim)) else ops.permute(self, axes=dims)

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two dimensions (PyTorch's `transpose(dim0, dim1)`)."""
        dim0, dim1 = _dim("transpose", dim0, self.ndim), _dim("transpose", dim1, self.ndim)
        if self.ndim < 2:  # dims 0 and -1 name the same axis (or none, for 0-d)
            return self
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self):
        """All dimensions reversed (the transpose of a matrix)."""
        return self if self.ndim < 2 else ops.permute(self, axes=tuple(range(self.ndim))[::-1])

    @property
    def mT(self):
        """The last two dimensions swapped: a batch of transposed matrices."""
        ndim = self.data.ndim
        if ndim < 2:
            raise ValueError(f"mT: needs at least 2 dimensions, got shape {self.shape}")
        return ops.permute(self, axes=(1, 0) if ndim == 2 else
                           tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))

    def expand(self, *sizes):
        """Broadcast to `sizes` (-1 keeps a dimension), as a view; its VJP sums back."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        return broadcast_to(self, shape)


class MaxResult(NamedTuple):
    """What `max(dim)`/`min(dim)` return, as in PyTorch: values and the indices."""
    values: Tensor
    indices: Tensor


# ---------------------------------------------------------------------------------------
# Construction
# ---------------------------------------------------------------------------------------

def as_dtype(dtype) -> np.dtype:
    """numpy's dtype for a numpy type, a name ("float64") or a `tg.float32` alias."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: {dtype!r} is not a dtype") from None


def _to_array(data, dtype, copy: bool) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        array = data if dtype is None else data.astype(as_dtype(dtype), copy=False)
        return array.copy() if copy and array is data else array
    try:
        array = np.array(data)
    except ValueError:  # numpy 2 refuses ragged nested lists
        array = np.array(None, dtype=object)
    if array.dtype == object:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} "
                        f"(ragged nested lists or non-numbers?)")
    if dtype is not None:
        return array.astype(as_dtype(dtype), copy=False)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        return array.astype(float32)  # Python floats become float32, as in PyTorch
    return array


def wrap(data, node=None) -> Tensor:
    """The engine's fast constructor: a tensor for a result array (no checks, no copy)."""
    t = Tensor.__new__(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)
    t.grad = None
    t._node = node
    t.requires_grad = node is not None
    t.name = None
    t._retains_grad = False
    return t


def as_tensor(value, dtype=None) -> Tensor:
    """`value` itself if it is a Tensor (of that dtype), otherwise a constant tensor."""
    if isinstance(value, Tensor):
        return value if dtype is None or value.dtype == dtype else value.to(dtype)
    return wrap(_to_array(value, dtype, copy=False))


# ---------------------------------------------------------------------------------------
# Operands and broadcasting
# ---------------------------------------------------------------------------------------

def _operand(value):
    """Tensors pass; Python numbers stay numbers (numpy keeps the tensor's dtype for them,
    as PyTorch does); numpy scalars become numbers for the same reason; arrays and lists
    become constant tensors."""
    if isinstance(value, np.generic):  # before float: np.float64 is a subclass of float
        return value.item()
    if isinstance(value, (Tensor, int, float)):
        return value
    return as_tensor(value)


def _raw(value):
    """The array behind a Tensor; anything else as it is (a number, an array: what a VJP's
    masks and signs are taken from, which need no gradient of their own)."""
    return value.data if isinstance(value, Tensor) else value


def _binary(op, x, y) -> Tensor:
    x = x if isinstance(x, Tensor) else _operand(x)
    y = y if isinstance(y, Tensor) else _operand(y)
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x.data.shape != y.data.shape:
        shape = broadcast_shape(op.name, x.data.shape, y.data.shape)
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
    if x.requires_grad and x.shape != shape and autograd.is_grad_enabled():
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
    condition = _raw(condition)
    x, y = _operand(x), _operand(y)
    shapes = [np.shape(v.data if isinstance(v, Tensor) else v) for v in (condition, x, y)]
    shape = broadcast_shape("where", *shapes)
    x = _expand_for_grad(x, shape) if isinstance(x, Tensor) else x
    y = _expand_for_grad(y, shape) if isinstance(y, Tensor) else y
    return ops.where(np.asarray(condition, dtype=bool), x, y)


def cat(tensors, dim: int = 0) -> Tensor:
    """Join tensors along an existing dimension `dim` (PyTorch's `torch.cat`)."""
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("cat: expected a non-empty sequence of tensors")
    first = tensors[0]
    if first.ndim == 0:
        raise ValueError("cat: zero-dimensional tensors cannot be concatenated; use stack")
    axis = dim % first.ndim
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
    axis = dim % (tensors[0].ndim + 1)
    return cat([t.unsqueeze(axis) for t in tensors], axis)


def maximum(x, y) -> Tensor:
    """Elementwise maximum; where x == y each side gets half of the gradient."""
    return _binary(ops.maximum, x, y)


def minimum(x, y) -> Tensor:
    return -maximum(-as_tensor(x), -as_tensor(y))


def matmul(x, y) -> Tensor:
    """numpy's matmul (1-D, 2-D and batched), with the shapes named when they do not fit."""
    x, y = as_tensor(x), as_tensor(y)
    xs, ys = x.data.shape, y.data.shape
    if not xs or not ys:
        raise ValueError(f"matmul: both operands need at least one dimension, got "
                         f"{xs} @ {ys}")
    inner_y = ys[0] if len(ys) == 1 else ys[-2]
    if xs[-1] != inner_y:
        raise ValueError(f"matmul: {xs} @ {ys}: the inner dimensions {xs[-1]} and "
                         f"{inner_y} differ")
    return ops.matmul(x, y)


# ---------------------------------------------------------------------------------------
# Argument helpers
# ---------------------------------------------------------------------------------------

def _shape_args(args) -> tuple[int, ...]:
    """Accept both `f(2, 3)` and `f((2, 3))`."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(args)


def _resolve_shape(size: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise ValueError("only one dimension can be -1")
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"{size} elements do not fill it")
        shape = tuple(size // known if n == -1 else n for n in shape)
    elif known != size:
        raise ValueError(f"{size} elements do not fill it")
    return shape


def _dim(name: str, dim: int, ndim: int) -> int:
    """`dim` (negative counts from the end) as an axis of `ndim` dimensions, or an IndexError
    naming the operation; 0-d tensors accept 0 and -1, as in PyTorch."""
    size = max(ndim, 1)
    if not -size <= dim < size:
        raise IndexError(f"{name}: dimension {dim} is out of range (expected one in "
                         f"[{-size}, {size - 1}])")
    return dim % size


def _reduction_args(ndim, dim, keepdim, axis, keepdims) -> tuple[tuple[int, ...], bool]:
    """Normalise PyTorch's `dim/keepdim` or numpy's `axis/keepdims` to (axes, keepdims)."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if dim is None:
        return tuple(range(ndim)), bool(keepdim)
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(f"reduction: dimension {d} is out of range for a tensor with "
                             f"{ndim} dimensions")
    return tuple(sorted(d % ndim for d in dims)) if ndim else (), bool(keepdim)


def _count(shape, axes) -> int:
    return math.prod(shape[a] for a in axes)


def _index(index):
    """Indices may hold tensors and lists; numpy wants arrays."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(i):
    if isinstance(i, Tensor):
        return i.data
    if isinstance(i, list):
        return np.asarray(i)
    return i


from . import autograd, functional, ops  # noqa: E402  (they build on Tensor)
