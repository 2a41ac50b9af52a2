"""Tensor: a numpy array that remembers how it was made.

A Tensor holds `array` (its numbers, an `np.ndarray`), `requires_grad`, `grad`, and, when
it was computed from tensors that require grad, a `node` (see `primitive.py`) naming the
primitive and its inputs. This file knows no derivative: operators and methods hand their
work to the primitives of `ops.py`, or compose them (`mean`, `softmax`). What it owns is
the PyTorch-like surface: dtypes, Python numbers and numpy arrays as operands, in-place
changes and their versions, and broadcasting, which it makes visible as an `expand` node
so that primitives see inputs of equal shape.

`backward()` runs the walk of `autograd.py`, which is built on this file: autograd.py
hands its walk over when it is imported (`register_backward`), as the Tensor class hands
itself to primitive.py, so this file imports nothing above it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import ops
from .grad_mode import thread_state
from .primitive import (
    VersionCounter,
    bump_version,
    clock,
    register_tensor_type,
    shared_counter,
    unwrap,
)

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

    __slots__ = ("array", "grad", "requires_grad", "node", "name", "retains_grad",
                 "version_counter", "is_view", "__weakref__")
    __array_ufunc__ = None  # `ndarray + Tensor` calls Tensor.__radd__, not numpy's loop

    def __init__(self, data, requires_grad: bool = False, dtype=None, name: str | None = None):
        """Wrap `data` (array, list or number); numpy arrays are shared, not copied."""
        self.array = to_array(data, dtype, copy=False)
        self.grad: Tensor | None = None
        self.node = None
        self.name = name
        self.retains_grad = False
        self.version_counter: VersionCounter | None = None  # made at the first change
        self.is_view = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_()

    # -- properties -----------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.array.shape

    @property
    def ndim(self) -> int:
        return self.array.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.array.dtype

    @property
    def data(self) -> Tensor:
        """The same numbers as a tensor outside the graph, as PyTorch's `.data`: it shares
        memory with this tensor, does not require grad, and changes through it are not
        counted as versions (so backward cannot notice them: prefer `detach()`)."""
        return wrap(self.array)

    @data.setter
    def data(self, value) -> None:
        self.array = to_array(value, None, copy=False)

    @property
    def _version(self) -> int:
        """How many times this tensor's memory was changed in place (PyTorch's name)."""
        return 0 if self.version_counter is None else self.version_counter.value

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (no node); only leaves accumulate `.grad`."""
        return self.node is None

    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves and constants)."""
        return self.node

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self) -> int:
        return self.array.size

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
        if not requires_grad and self.node is not None:
            raise RuntimeError("requires_grad_: cannot turn off requires_grad of a non-leaf "
                               "tensor; use detach()")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after `backward()`, as PyTorch does."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: the tensor does not require grad")
        self.retains_grad = True

    def backward(self, gradient=None, retain_graph: bool = False,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is needed when self is not a scalar (it weights each entry). The graph's
        saved tensors are freed afterwards unless `retain_graph=True`; `create_graph=True`
        records the backward pass so that the gradients can be differentiated again.
        """
        backward_walk.run(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """The same numbers (shared, not copied, with the same version counter, as in
        PyTorch), cut from the graph."""
        detached = wrap(self.array, None, shared_counter(self))
        detached.is_view = False  # the same memory, but no graph to keep in step
        return detached

    def clone(self) -> Tensor:
        """A copy of the numbers in new memory; differentiable (the gradient passes)."""
        return ops.copy(self)

    # -- conversion ---------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The numbers as an `np.ndarray` (shared, not copied)."""
        return self.array

    def __array__(self, dtype=None, copy=None):
        return self.array if dtype is None else self.array.astype(dtype)

    def item(self) -> Scalar:
        if self.array.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"number, got shape {self.shape}")
        return self.array.item()

    def tolist(self):
        return self.array.tolist()

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
        body = np.array2string(self.array, separator=", ", prefix="tensor(",
                               precision=4, suppress_small=True)
        extras = [] if self.dtype == float32 else [f"dtype={self.dtype}"]
        if self.node is not None:
            extras.append(f"grad_fn=<{self.node.op.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(f"bool: a tensor of shape {self.shape} has no single truth "
                             f"value; use t.numpy().all() or t.numpy().any()")
        return bool(self.array)

    def __setitem__(self, index, value):
        raise TypeError("Tensor does not support item assignment (it would silently break "
                        "gradients); build a new tensor with tg.where, tg.cat or indexing")

    __hash__ = object.__hash__  # comparisons return tensors, so hash by identity

    # -- in place: `with tg.no_grad(): w -= lr * w.grad`, and `c += d` inside a graph ------
    def __iadd__(self, other): return self._in_place("+=", Tensor.__add__, other)
    def __isub__(self, other): return self._in_place("-=", Tensor.__sub__, other)
    def __imul__(self, other): return self._in_place("*=", Tensor.__mul__, other)
    def __itruediv__(self, other): return self._in_place("/=", Tensor.__truediv__, other)

    def zero_(self) -> Tensor:
        """Set every entry to 0 in place, as PyTorch's `zero_` (e.g. `w.grad.zero_()`)."""
        return self._in_place("zero_", lambda t: ops.where(False, t, 0))

    def _in_place(self, name: str, compute: Callable, *operands) -> Tensor:
        """Put `compute(self, *operands)` into this tensor's own memory, as PyTorch does:
        the tensor keeps its identity, and its views see the new numbers. The change bumps
        the version, so a graph that saved the old numbers refuses to use them.

        While grad mode records, the change is recorded too (`c += c + 1` differentiates
        like `c = c + c + 1`), except on a leaf that requires grad (its `.grad` would
        describe numbers it no longer holds) and on a view (the tensor it views would
        not learn of the change): PyTorch's rules, and a limit of this engine."""
        recording = thread_state.enabled and (self.requires_grad or any(
            isinstance(x, Tensor) and x.requires_grad for x in operands))
        if recording:
            _check_recordable(name, self)
            before = wrap(self.array, self.node, shared_counter(self))
            before.requires_grad = self.requires_grad
            result = compute(before, *operands)
        else:
            result = compute(self, *operands)
        _store(name, self, result)
        bump_version(self)
        if recording:
            self.node, self.requires_grad = result.node, True
            self.node.replaced, self.node.out_written = before, clock.last_change
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
    def __eq__(self, other): return wrap(self.array == unwrap(other))
    def __ne__(self, other): return wrap(self.array != unwrap(other))
    def __lt__(self, other): return wrap(self.array < unwrap(other))
    def __le__(self, other): return wrap(self.array <= unwrap(other))
    def __gt__(self, other): return wrap(self.array > unwrap(other))
    def __ge__(self, other): return wrap(self.array >= unwrap(other))
    def __invert__(self): return wrap(~self.array)
    def __and__(self, other): return wrap(self.array & unwrap(other))
    def __or__(self, other): return wrap(self.array | unwrap(other))

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
        """Limit to [min, max]; the gradient passes where x is inside (bounds included)."""
        if min is None and max is None:
            raise ValueError("clip: at least one of min and max must be given")
        low = -np.inf if min is None else min  # numpy < 2 wants both bounds
        high = np.inf if max is None else max
        clipped = np.clip(self.array, low, high).astype(self.dtype, copy=False)
        return where(clipped == self.array, self, clipped)

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
        index = np.argmax(x.array, axis=axes[0], keepdims=keep) if x.ndim else np.array(0)
        return MaxResult(values, wrap(index))

    def argmax(self, dim=None, keepdim=False):
        return wrap(np.argmax(self.array, axis=dim, keepdims=keepdim))

    def argmin(self, dim=None, keepdim=False):
        return wrap(np.argmin(self.array, axis=dim, keepdims=keepdim))

    # -- softmax and friends: compositions, shifted by a constant so exp never overflows ---
    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) along `dim`, as m + log(sum(exp(x - m))) with m the maximum."""
        m = ops.exp_shift(self.array, normalize_dim("logsumexp", dim, self.ndim))
        out = (self - m).exp().sum(dim, keepdim=True).log() + m
        return out if keepdim else out.squeeze(dim)

    def softmax(self, dim=-1):
        """exp(x_j) / sum_k exp(x_k) along `dim`, shifted by the maximum (a constant)."""
        shift = ops.exp_shift(self.array, normalize_dim("softmax", dim, self.ndim))
        e = (self - shift).exp()
        return e / e.sum(dim, keepdim=True)

    def log_softmax(self, dim=-1):
        """x - logsumexp(x): one fused primitive, finite where softmax underflows to 0."""
        return ops.log_softmax(self, axis=normalize_dim("log_softmax", dim, self.ndim))

    # -- shapes ------------------------------------------------------------------------------
    def reshape(self, *shape):
        shape = shape_args(shape)
        try:
            shape = _resolve_shape(self.array.size, shape)
        except ValueError as error:
            raise ValueError(f"reshape: cannot reshape {self.shape} into {shape}: {error}") \
                from None
        return self if shape == self.shape else ops.reshape(self, shape=shape)

    view = reshape

    def flatten(self, start_dim=0, end_dim=-1):
        if self.ndim == 0:
            return self.reshape(1)
        start = normalize_dim("flatten", start_dim, self.ndim)
        end = normalize_dim("flatten", end_dim, self.ndim)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def unsqueeze(self, dim):
        dim = normalize_dim("unsqueeze", dim, self.ndim + 1)
        return self.reshape(self.shape[:dim] + (1,) + self.shape[dim:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dim = normalize_dim("squeeze", dim, self.ndim)
        if self.ndim == 0 or self.shape[dim] != 1:
            return self
        return self.reshape(self.shape[:dim] + self.shape[dim + 1:])

    def permute(self, *dims):
        dims = tuple(normalize_dim("permute", d, self.ndim) for d in shape_args(dims))
        if sorted(dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"dimensions of a tensor of shape {self.shape}")
        return self if dims == tuple(range(self.ndim)) else ops.permute(self, axes=dims)

    def transpose(self, dim0=-2, dim1=-1):
        """Swap two dimensions (PyTorch's `transpose(dim0, dim1)`)."""
        dim0 = normalize_dim("transpose", dim0, self.ndim)
        dim1 = normalize_dim("transpose", dim1, self.ndim)
        if self.ndim < 2:  # dims 0 and -1 name the same axis (or none, for 0-d)
            return self
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self):
        """All dimensions reversed (the transpose of a matrix)."""
        return self if self.ndim < 2 else ops.permute(self, axes=tuple(range(self.ndim))[::-1])

    def swapaxes(self, axis0, axis1):
        """numpy's and PyTorch's name for `transpose(axis0, axis1)`."""
        return self.transpose(axis0, axis1)

    @property
    def mT(self):
        """The last two dimensions swapped: a batch of transposed matrices."""
        ndim = self.array.ndim
        if ndim < 2:
            raise ValueError(f"mT: needs at least 2 dimensions, got shape {self.shape}")
        return ops.permute(self, axes=(1, 0) if ndim == 2 else
                           tuple(range(ndim - 2)) + (ndim - 1, ndim - 2))

    def expand(self, *sizes):
        """Broadcast to `sizes` (-1 keeps a dimension), as a view; its VJP sums back."""
        sizes = shape_args(sizes)
        lead = len(sizes) - self.ndim
        shape = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        return broadcast_to(self, shape)


def _check_recordable(name: str, t: Tensor) -> None:
    """The in-place changes a graph cannot record (see `Tensor._in_place`)."""
    if t.node is None and t.requires_grad:
        raise RuntimeError(
            f"{name}: a leaf tensor that requires grad cannot be changed in place while grad "
            f"mode is on (its .grad would describe numbers it no longer holds); update "
            f"parameters inside `with tg.no_grad():`, as in PyTorch")
    if t.is_view:
        raise RuntimeError(
            f"{name}: this tensor is a view of another tensor's memory (a reshape, transpose "
            f"or slice); recording an in-place change to it would change the numbers of the "
            f"tensor it views without a record of it there. Change a clone() instead, or "
            f"work out of place")


def _store(name: str, t: Tensor, result: Tensor) -> None:
    """Write `result` into t's memory, keeping t's shape and dtype (as PyTorch does)."""
    if result.shape != t.shape:
        raise ValueError(f"{name}: the result has shape {result.shape}, which does not fit "
                         f"in place in a tensor of shape {t.shape}")
    if not np.can_cast(result.dtype, t.dtype, casting="same_kind"):
        raise TypeError(f"{name}: the result has dtype {result.dtype}, which cannot be "
                        f"stored in place in a tensor of dtype {t.dtype}")
    try:
        np.copyto(t.array, result.array, casting="same_kind")
    except ValueError as error:  # read-only memory, such as a broadcast view
        raise ValueError(f"{name}: {error}") from None


class _BackwardWalk:
    """Where `Tensor.backward` finds the walk: autograd.py registers it when imported."""

    def __init__(self):
        self.run = self.not_registered

    @staticmethod
    def not_registered(*args):
        raise RuntimeError("backward: the backward walk is in tinygrad_edu.autograd; import "
                           "tinygrad_edu (or tinygrad_edu.autograd) before calling backward()")


backward_walk = _BackwardWalk()


def register_backward(walk: Callable) -> None:
    """Called once by autograd.py: `walk(tensor, gradient, retain_graph, create_graph)`."""
    backward_walk.run = walk


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


def to_array(data, dtype, copy: bool) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.array
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


register_tensor_type(Tensor, wrap)


def as_tensor(value, dtype=None) -> Tensor:
    """`value` itself if it is a Tensor (of that dtype), otherwise a constant tensor."""
    if isinstance(value, Tensor):
        return value if dtype is None or value.dtype == dtype else value.to(dtype)
    return wrap(to_array(value, dtype, copy=False))


# ---------------------------------------------------------------------------------------
# Operands and broadcasting
# ---------------------------------------------------------------------------------------

def _operand(value, like: Tensor | None = None):
    """Tensors pass; arrays and lists become constant tensors; a Python number (or a numpy
    scalar) beside the tensor `like` becomes a numpy scalar of the dtype numpy 2 gives it
    there: a number does not widen a tensor of its own kind (float32 * 0.5 stays float32,
    as in PyTorch). Made explicit so that numpy 1.26, whose rule for 0-d arrays differs,
    computes the same dtypes."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.generic):  # before float: np.float64 is a subclass of float
        value = value.item()
    if isinstance(value, (int, float)):
        return value if like is None else _weak_scalar(value, like.array.dtype)
    return as_tensor(value)


def _weak_scalar(number: int | float, dtype: np.dtype) -> np.generic:
    if type(number) is float and dtype.kind not in "fc":
        return np.float64(number)  # an integer tensor times 0.5 is a float64 (numpy 2)
    if type(number) is int and dtype.kind == "b":
        return np.int64(number)
    return dtype.type(number)


def _binary(op, x, y) -> Tensor:
    x = x if isinstance(x, Tensor) else _operand(x, y)
    y = y if isinstance(y, Tensor) else _operand(y, x)
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
    condition = unwrap(condition)
    like = x if isinstance(x, Tensor) else y if isinstance(y, Tensor) else None
    x, y = _operand(x, like), _operand(y, like)
    shapes = [np.shape(unwrap(v)) for v in (condition, x, y)]
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
    xs, ys = x.array.shape, y.array.shape
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

def shape_args(args) -> tuple[int, ...]:
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


def normalize_dim(name: str, dim: int, ndim: int) -> int:
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
        return i.array
    if isinstance(i, list):
        return np.asarray(i)
    return i


