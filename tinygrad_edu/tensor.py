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
itself to primitive.py, so this file imports nothing above it. numpy's functions on
tensors (`np.exp(t)`) are looked up in the tables of `numpy_functions.py`, registered the
same way (`register_numpy_protocols`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from . import generator as rng
from . import ops, primitive
from .device import CPU, check_device, is_device_name, unavailable
from .dtypes import (
    as_dtype,
    bool_,
    category,
    float16,
    float32,
    float64,
    get_default_dtype,
    int16,
    int32,
    int64,
    promoted,
    true_division_dtype,
)
from .grad_fn import BackwardFunction
from .grad_mode import thread_state
from .primitive import (
    VersionCounter,
    bump_version,
    clock,
    register_tensor_type,
    shared_counter,
    unwrap,
    version_of,
)

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
        return version_of(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user created (no node); only leaves accumulate `.grad`."""
        return self.node is None

    @property
    def grad_fn(self) -> BackwardFunction | None:
        """The step of the backward pass that made this tensor, as PyTorch shows it
        (`MulBackward0`, with `next_functions`); None for leaves and constants. The
        engine's own record, which the pictures draw, is `node`."""
        return None if self.node is None else BackwardFunction(self.node)

    @property
    def device(self):
        """Always the CPU: tinygrad_edu computes with numpy (see `tg.device`)."""
        return CPU

    def is_floating_point(self) -> bool:
        return category(self.dtype) == 2

    def element_size(self) -> int:
        """Bytes per entry (4 for float32)."""
        return self.array.itemsize

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
        if primitive.recorder is not None:  # the numbers leave the engine (compile.py)
            primitive.recorder.escaped(self, "numpy()")
        return self.array

    def __array__(self, dtype=None, copy=None):
        if primitive.recorder is not None:
            primitive.recorder.escaped(self, "__array__")
        return self.array if dtype is None else self.array.astype(dtype)

    # numpy's protocols: `np.exp(t)`, `array + t`, `np.sum(t, axis=0)` and `np.where(c, t, 0)`
    # call the primitives, so a VJP in numpy spelling also runs, recorded, on tensors. The
    # tables are in numpy_functions.py, which registers them (`register_numpy_protocols`).
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return numpy_protocols.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return numpy_protocols.function(func, types, args, kwargs)

    def item(self) -> Scalar:
        if primitive.recorder is not None:
            primitive.recorder.escaped(self, "item()")
        if self.array.size != 1:
            raise ValueError(f"item: only one-element tensors can be converted to a Python "
                             f"number, got shape {self.shape}")
        return self.array.item()

    def tolist(self):
        if primitive.recorder is not None:
            primitive.recorder.escaped(self, "tolist()")
        return self.array.tolist()

    def to(self, *args, dtype=None, device=None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """This tensor in another dtype, as PyTorch's `to(dtype)`, `to(device)`,
        `to(other_tensor)` or `to(device, dtype)`; differentiable (the gradient is cast
        back). Devices other than the CPU raise: see `tg.device`.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([1, 2]).to("cpu", tg.float64)
        tensor([1., 2.], dtype=float64)
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif is_device_name(arg):
                check_device(arg)
            else:
                dtype = arg
        check_device(device)
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        if dtype != self.dtype:
            return ops.cast(self, dtype=dtype)
        return self.clone() if copy else self

    def astype(self, dtype) -> Tensor:
        """numpy's name for `to(dtype)`."""
        return self.to(dtype)

    def type(self, dtype=None):
        """With no argument, PyTorch's name of the type ("torch.FloatTensor"); with a
        dtype (or such a name), this tensor in that dtype."""
        if dtype is None:
            return _TYPE_NAMES.get(self.dtype, f"torch.{self.dtype}")
        return self.to(_TYPE_DTYPES.get(dtype, dtype) if isinstance(dtype, str) else dtype)

    def float(self) -> Tensor: return self.to(float32)
    def double(self) -> Tensor: return self.to(float64)
    def half(self) -> Tensor: return self.to(float16)
    def long(self) -> Tensor: return self.to(int64)
    def int(self) -> Tensor: return self.to(int32)
    def short(self) -> Tensor: return self.to(int16)
    def bool(self) -> Tensor: return self.to(bool_)

    def cpu(self) -> Tensor:
        """This tensor (it is on the CPU already)."""
        return self

    def new_full(self, size, fill_value, *, dtype=None, device=None,
                 requires_grad: bool = False) -> Tensor:
        """A new tensor of `size` filled with `fill_value`, of this tensor's dtype unless
        `dtype` says otherwise (PyTorch's `new_*` family)."""
        check_device(device)
        dtype = self.dtype if dtype is None else as_dtype(dtype)
        return Tensor(np.full(shape_args((size,)), fill_value, dtype=dtype),
                      requires_grad=requires_grad)

    def new_zeros(self, *size, **options) -> Tensor:
        return self.new_full(shape_args(size), 0, **options)

    def new_ones(self, *size, **options) -> Tensor:
        return self.new_full(shape_args(size), 1, **options)

    new_empty = new_zeros  # PyTorch leaves the memory unset; here it holds zeros

    def new_tensor(self, data, *, dtype=None, device=None,
                   requires_grad: bool = False) -> Tensor:
        check_device(device)
        return Tensor(to_array(data, self.dtype if dtype is None else dtype, copy=True),
                      requires_grad=requires_grad)

    def cuda(self, device=None) -> Tensor:
        raise unavailable("cuda")

    # -- Python's protocols: float(t), int(t), range(t), classes[t], f"{loss:.3f}" -----------
    def __float__(self) -> float: return float(self.item())
    def __int__(self) -> int: return int(self.item())

    def __index__(self) -> int:
        """An integer tensor of one element used as an index (`range(t)`, `names[t]`)."""
        if category(self.dtype) != 1 or self.array.size != 1:
            raise TypeError(f"__index__: only integer tensors of a single element can be "
                            f"converted to an index, got dtype {self.dtype} and shape "
                            f"{self.shape}")
        return int(self.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (`f"{loss:.3f}"`), as in PyTorch."""
        return format(self.item(), spec) if self.ndim == 0 else object.__format__(self, spec)

    def __repr__(self) -> str:
        # PyTorch's layout: every element with 4 decimals (0.0410, not numpy's 0.041),
        # unless all are whole numbers, which print as 1., 2.; booleans as wide as the
        # widest of them ([True, True], where numpy pads to [ True,  True])
        finite = self.array[np.isfinite(self.array)] if self.dtype.kind == "f" else None
        whole = finite is None or bool(np.all(finite == np.round(finite)))
        width = 4 if self.array.all() else 5
        body = np.array2string(self.array, separator=", ", prefix="tensor(",
                               precision=4, suppress_small=True,
                               floatmode="maxprec" if whole else "fixed",
                               formatter={"bool": lambda v: str(v).rjust(width)})
        # like PyTorch, name the dtype unless it is the default float, int64 or bool
        shown = self.dtype not in (get_default_dtype(), int64, bool_)
        extras = [f"dtype={self.dtype}"] if shown else []
        if self.node is not None:
            extras.append(f"grad_fn=<{BackwardFunction(self.node).name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    def __bool__(self) -> bool:
        if self.array.size != 1:
            raise ValueError(f"bool: a tensor of shape {self.shape} has no single truth "
                             f"value; use t.numpy().all() or t.numpy().any()")
        if primitive.recorder is not None:
            primitive.recorder.escaped(self, "bool()")
        return bool(self.array)

    def __setitem__(self, index, value) -> None:
        """`t[0] = 1`, `t[:, 1] = 0`, `t[mask] = other`: a change in place (its version is
        bumped). On a tensor in a graph it is recorded, as the primitive `setitem`, whose
        VJP sends g to the rest of t and g[index] to the value."""
        self._assign("setitem", _index(index), value)

    def _assign(self, name: str, index, value) -> Tensor:
        if _records(self, value):
            return self._in_place(name, lambda t, v: ops.setitem(t, v, index=index), value)
        try:
            self.array[index] = unwrap(value)
        except (IndexError, ValueError, TypeError) as error:
            raise type(error)(f"{name}: {error} (tensor of shape {self.shape})") from None
        bump_version(self)
        return self

    __hash__ = object.__hash__  # comparisons return tensors, so hash by identity

    # -- in place: `with tg.no_grad(): w -= lr * w.grad`, and `c += d` inside a graph ------
    def __iadd__(self, other): return self._in_place("+=", Tensor.__add__, other)
    def __isub__(self, other): return self._in_place("-=", Tensor.__sub__, other)
    def __imul__(self, other): return self._in_place("*=", Tensor.__mul__, other)
    def __itruediv__(self, other): return self._in_place("/=", Tensor.__truediv__, other)

    def zero_(self) -> Tensor:
        """Set every entry to 0 in place, as PyTorch's `zero_` (e.g. `w.grad.zero_()`)."""
        return self._in_place("zero_", lambda t: ops.where(False, t, 0))

    # PyTorch's in-place methods: each is its out-of-place operation, stored by `_in_place`
    def add_(self, other, *, alpha=1): return self._in_place("add_", _plus, other, alpha)
    def sub_(self, other, *, alpha=1): return self._in_place("sub_", _plus, other, -alpha)
    def mul_(self, other): return self._in_place("mul_", Tensor.__mul__, other)
    def div_(self, other): return self._in_place("div_", Tensor.__truediv__, other)
    def pow_(self, exponent): return self._in_place("pow_", Tensor.__pow__, exponent)
    def exp_(self): return self._in_place("exp_", Tensor.exp)
    def log_(self): return self._in_place("log_", Tensor.log)
    def sqrt_(self): return self._in_place("sqrt_", Tensor.sqrt)
    def neg_(self): return self._in_place("neg_", Tensor.__neg__)
    def abs_(self): return self._in_place("abs_", Tensor.abs)

    def clamp_(self, min=None, max=None) -> Tensor:
        return self._in_place("clamp_", lambda t: t.clip(min, max))

    clip_ = clamp_

    def fill_(self, value) -> Tensor:
        """Set every entry to `value` (a number or a 0-d tensor, which gets the gradient)."""
        return self._in_place("fill_", _filled_with, self._own_kind(value))

    def copy_(self, src) -> Tensor:
        """Copy `src` (broadcast, cast to this tensor's dtype) into this tensor's memory;
        the gradient goes to src, as in PyTorch."""
        return self._in_place("copy_", _filled_with, as_tensor(src).to(self.dtype))

    def masked_fill_(self, mask, value) -> Tensor:
        """Set the entries where `mask` is True (broadcast) to `value`."""
        mask = unwrap(mask)
        return self._in_place("masked_fill_", lambda t, v: where(mask, v, t),
                              self._own_kind(value))

    def uniform_(self, from_: float = 0.0, to: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from U(from_, to), from `generator` or the default one."""
        values = rng.uniform(self.shape, self._float_dtype("uniform_"), from_, to,
                             generator)
        return self._in_place("uniform_", _filled_with, wrap(values))

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
        """Fill with draws from N(mean, std^2), from `generator` or the default one."""
        values = rng.normal(self.shape, self._float_dtype("normal_"), mean, std,
                            generator)
        return self._in_place("normal_", _filled_with, wrap(values))

    def scatter_(self, dim: int, index, src=None, *, value=None) -> Tensor:
        """self[index[i][j]][j] = src[i][j] for dim 0 (and so on for other dims): `src`
        (or the number `value`) written where `index` points along `dim`."""
        index = np.asarray(unwrap(index))
        if (src is None) == (value is None):
            raise TypeError("scatter_: give exactly one of src and value")
        if src is not None and not isinstance(src, (int, float)):
            src = as_tensor(src)[tuple(slice(0, n) for n in index.shape)]
        if index.ndim != self.ndim:
            raise ValueError(f"scatter_: index has {index.ndim} dimensions, the tensor "
                             f"{self.ndim}")
        position = _along(normalize_dim("scatter_", dim, self.ndim), index)
        return self._assign("scatter_", position, value if src is None else src)

    def index_add_(self, dim: int, index, source, *, alpha=1) -> Tensor:
        """Add alpha * source[i] (along `dim`) to self[index[i]]; repeated indices add up."""
        where_ = (slice(None),) * normalize_dim("index_add_", dim, self.ndim) + \
            (np.asarray(unwrap(index)),)
        return self._in_place("index_add_", lambda t, s: t + ops.scatter_add(
            s if alpha == 1 else s * alpha, index=where_, shape=t.shape), as_tensor(source))

    def _own_kind(self, value):
        """A number as this tensor's dtype (fill_(1.5) on integers stores 1, as PyTorch)."""
        return value if isinstance(value, Tensor) else self.array.dtype.type(value)

    def _float_dtype(self, name: str) -> np.dtype:
        if category(self.dtype) != 2:
            raise TypeError(f"{name}: needs a floating-point tensor, got dtype {self.dtype}")
        return self.dtype

    def _in_place(self, name: str, compute: Callable, *operands) -> Tensor:
        """Put `compute(self, *operands)` into this tensor's own memory, as PyTorch does:
        the tensor keeps its identity, and its views see the new numbers. The change bumps
        the version, so a graph that saved the old numbers refuses to use them.

        While grad mode records, the change is recorded too (`c += c + 1` differentiates
        like `c = c + c + 1`), except on a leaf that requires grad (its `.grad` would
        describe numbers it no longer holds) and on a view (the tensor it views would
        not learn of the change): PyTorch's rules, and a limit of this engine."""
        recording = _records(self, *operands)
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
    def __mod__(self, other): return _binary(ops.remainder, self, other)
    def __rmod__(self, other): return _binary(ops.remainder, other, self)
    def __pow__(self, other): return _binary(ops.pow, self, other)
    def __rpow__(self, other): return _binary(ops.pow, other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)
    def __getitem__(self, index): return ops.getitem(self, index=_index(index))

    # -- comparisons: plain boolean tensors, no gradient ------------------------------------
    def __eq__(self, other): return ops.eq(self, other)
    def __ne__(self, other): return ops.ne(self, other)
    def __lt__(self, other): return ops.lt(self, other)
    def __le__(self, other): return ops.le(self, other)
    def __gt__(self, other): return ops.gt(self, other)
    def __ge__(self, other): return ops.ge(self, other)
    def __invert__(self): return ops.invert(self)
    def __and__(self, other): return ops.bitwise_and(self, other)
    def __or__(self, other): return ops.bitwise_or(self, other)

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
        """Limit to [min, max] (numbers or tensors); the gradient passes where x is inside
        (bounds included), and to a tensor bound where it is the result."""
        if min is None and max is None:
            raise ValueError("clip: at least one of min and max must be given")
        if isinstance(min, Tensor) or isinstance(max, Tensor) or self.array.dtype.kind == "f":
            return _clipped(self, min, max)
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

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=1, axis=None,
            keepdims=None):
        """Variance with PyTorch's default `correction=1` (numpy's `ddof`). As in PyTorch,
        the second positional argument is the older `unbiased` (`x.var(0, False)` is
        `correction=0`, not keepdim), and a bool alone is `unbiased` over every element."""
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        if unbiased is not None:
            correction = int(unbiased)
        axes, keep = _reduction_args(self.ndim, dim, keepdim, axis, keepdims)
        centred = self - self.mean(axis=axes, keepdims=True)
        return (centred * centred).sum(axis=axes, keepdims=keep) / \
            max(_count(self.shape, axes) - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=1, axis=None,
            keepdims=None):
        """sqrt(var); where the variance is 0 (a constant slice) the gradient is 0, as in
        PyTorch, not 0 * inf (see `_root`)."""
        return _root(self.var(dim, unbiased, keepdim, correction=correction, axis=axis,
                              keepdims=keepdims), 2)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Full max, or with `dim` (PyTorch) the pair (values, indices); with `axis` (numpy)
        the values. Tied maxima share the gradient equally. With a tensor, `maximum`."""
        if isinstance(dim, Tensor):
            return maximum(self, dim)
        return self._extremum(1, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Like `max`: with `dim` the pair (values, indices); with a tensor, `minimum`."""
        if isinstance(dim, Tensor):
            return minimum(self, dim)
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
        m = ops.max_shift(self, axis=normalize_dim("logsumexp", dim, self.ndim))
        out = (self - m).exp().sum(dim, keepdim=True).log() + m
        return out if keepdim else out.squeeze(dim)

    def softmax(self, dim=-1):
        """exp(x_j) / sum_k exp(x_k) along `dim`, shifted by the maximum (a constant)."""
        shift = ops.max_shift(self, axis=normalize_dim("softmax", dim, self.ndim))
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

    # =====================================================================================
    # PyTorch's math and shape methods (x.sin(), x.cumsum(0), x.gather(1, i), ...): each a
    # primitive of ops.py or a composition of them. Those without a gradient say so.
    # =====================================================================================

    # -- trigonometric, hyperbolic, logarithms: primitives -----------------------------------
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def tan(self): return ops.tan(self)
    def asin(self): return ops.asin(self)
    def acos(self): return ops.acos(self)
    def atan(self): return ops.atan(self)
    def atan2(self, other): return _binary(ops.atan2, self, other)
    def sinh(self): return ops.sinh(self)
    def cosh(self): return ops.cosh(self)
    def log1p(self): return ops.log1p(self)
    def expm1(self): return ops.expm1(self)
    def log2(self): return ops.log2(self)
    def log10(self): return ops.log10(self)
    arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2

    def rsqrt(self): return self ** -0.5
    def reciprocal(self): return 1 / self

    # -- rounding: zero gradient (PyTorch's), except frac's, which is 1 ----------------------
    def sign(self):
        """-1, 0 or 1; gradient 0, as in PyTorch."""
        return ops.sign(self)

    def floor(self):
        """The largest whole number <= x; gradient 0, as in PyTorch."""
        return _rounded(ops.floor, self)

    def ceil(self):
        """The smallest whole number >= x; gradient 0, as in PyTorch."""
        return _rounded(ops.ceil, self)

    def trunc(self):
        """x with its fractional part dropped (rounded towards 0); gradient 0, as in PyTorch."""
        return _rounded(ops.trunc, self)

    def round(self, decimals: int = 0):
        """x rounded to `decimals` places, halves to even (`tensor([0.5, 1.5]).round()` is
        `[0., 2.]`, as in PyTorch); gradient 0, as in PyTorch."""
        return _rounded(ops.round, self, decimals=decimals)

    def frac(self):
        """x - trunc(x), the fractional part with x's sign; gradient 1, as in PyTorch."""
        return self - self.trunc()

    fix = trunc

    # -- arithmetic by name ----------------------------------------------------------------
    def add(self, other, *, alpha=1):
        """self + alpha * other (PyTorch's `alpha=`)."""
        return self + (other if alpha == 1 else alpha * other)

    def sub(self, other, *, alpha=1):
        """self - alpha * other."""
        return self - (other if alpha == 1 else alpha * other)

    def mul(self, other): return self * other
    def pow(self, exponent): return self ** exponent
    def neg(self): return -self
    subtract, multiply, negative = sub, mul, neg

    def remainder(self, other):
        """self % other, with the sign of other (Python's and PyTorch's remainder)."""
        return self % other

    def div(self, other, *, rounding_mode: str | None = None):
        """self / other; `rounding_mode="trunc"` or `"floor"` rounds the quotient (gradient
        0, as in PyTorch) and keeps integer tensors integer.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([-7, 7]).div(2, rounding_mode="floor")
        tensor([-4,  3], dtype=int64)
        """
        if rounding_mode not in (None, "trunc", "floor"):
            raise ValueError(f"div: rounding_mode must be None, 'trunc' or 'floor', got "
                             f"{rounding_mode!r}")
        quotient = self / other
        if rounding_mode is None:
            return quotient
        rounded = quotient.trunc() if rounding_mode == "trunc" else quotient.floor()
        kind = np.result_type(self.array, np.asarray(unwrap(other)))
        return rounded if kind.kind in "fc" else rounded.to(kind)

    divide, true_divide = div, div

    # -- products, running sums, norms -------------------------------------------------------
    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The product of the entries (along `dim`). Computed as a tree of pairwise products,
        log2(n) vectorised multiplications, so that zeros are exact and the gradient is the
        chain rule's: x_j's is the product of all the other entries, also where some are 0.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(1)
        tensor([ 2., 12.])
        """
        axes, keep = _reduction_args(self.ndim, dim, keepdim, axis, keepdims)
        kept = tuple(a for a in range(self.ndim) if a not in axes)
        shape = tuple(self.shape[a] for a in kept)
        x = self.permute(kept + axes).reshape(shape + (-1,))
        if x.shape[-1] == 0:  # the empty product
            return wrap(np.prod(self.array, axis=axes, keepdims=keep))
        while x.shape[-1] > 1:
            half = x.shape[-1] // 2
            pairs = x[..., :half] * x[..., half:2 * half]
            x = cat([pairs, x[..., 2 * half:]], -1) if x.shape[-1] % 2 else pairs
        out = x.reshape(shape)
        return out.reshape(_kept_shape(self.shape, axes)) if keep else out

    def cumsum(self, dim: int, *, dtype=None):
        """Running sums along `dim`; the gradient is the running sum of g from the end."""
        x = self if dtype is None else self.to(dtype)
        if x.ndim == 0:
            return x.reshape(1).cumsum(0).reshape(())
        return ops.cumsum(x, axis=normalize_dim("cumsum", dim, x.ndim))

    def cumprod(self, dim: int):
        """Running products along `dim`, by the Hillis-Steele scan (out_i *= out_(i-s) for
        s = 1, 2, 4, ...): log2(n) vectorised multiplications, exact with zeros, and
        differentiable by the chain rule (no division by x, which fails at 0).

        >>> import tinygrad_edu as tg
        >>> tg.tensor([1.0, 2.0, 0.0, 4.0]).cumprod(0)
        tensor([1., 2., 0., 0.])
        """
        if self.ndim == 0:
            return self.clone()
        axis = normalize_dim("cumprod", dim, self.ndim)
        x, step = self.movedim(axis, -1), 1
        while step < x.shape[-1]:
            x = cat([x[..., :step], x[..., step:] * x[..., :-step]], -1)
            step *= 2
        return x.movedim(-1, axis)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over `dim` (all entries by default): `"fro"` or 2, any p > 0, inf
        (largest |x|), -inf (smallest) and 0 (how many entries are not 0, no gradient).
        At a zero vector the gradient is 0, as in PyTorch.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([3.0, -4.0]).norm(), tg.tensor([3.0, -4.0]).norm(1)
        (tensor(5.), tensor(7.))
        """
        if p == "fro":
            p = 2
        if not isinstance(p, (int, float)) or p < 0 and p != -math.inf:
            raise ValueError(f"norm: p must be 'fro', a number >= 0, inf or -inf, got {p!r}")
        if p in (math.inf, -math.inf):
            return self.abs().amax(dim, keepdim) if p > 0 else self.abs().amin(dim, keepdim)
        if p == 0:
            return wrap((self.array != 0).sum(axis=dim, keepdims=keepdim).astype(self.dtype))
        power = self * self if p == 2 else self.abs() if p == 1 else self.abs() ** p
        total = power.sum(dim, keepdim)
        return total if p == 1 else _root(total, p)

    # -- sorting and picking ---------------------------------------------------------------------
    def argsort(self, dim: int = -1, descending: bool = False, stable: bool = True):
        """The indices that sort x along `dim`; ties keep their order (always stable). No
        gradient (indices are integers)."""
        axis = normalize_dim("argsort", dim, self.ndim)
        a = self.array.reshape(self.shape or (1,))
        if not descending:
            return wrap(np.argsort(a, axis, kind="stable").reshape(self.shape))
        # descending and stable: sort the reversed array, then reverse the order back
        order = np.flip(np.argsort(np.flip(a, axis), axis, kind="stable"), axis)
        return wrap((a.shape[axis] - 1 - order).reshape(self.shape))

    def sort(self, dim: int = -1, descending: bool = False, stable: bool = True):
        """(values, indices) sorted along `dim`, ties in their order. The values are picked
        from x by `gather`, so each one's gradient goes back to where it came from.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([3.0, 1.0, 2.0]).sort(descending=True).indices
        tensor([0, 2, 1], dtype=int64)
        """
        indices = self.argsort(dim, descending)
        return MaxResult(self.gather(dim, indices) if self.ndim else self.clone(), indices)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
        """(values, indices) of the k largest (`largest=False`: smallest) entries along
        `dim`, in order; the values' gradient goes back to where they came from."""
        axis = normalize_dim("topk", dim, self.ndim)
        size = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= size:
            raise ValueError(f"topk: k={k} is out of range for a dimension of size {size}")
        indices = self.argsort(axis, descending=largest).narrow(axis, 0, k)
        return MaxResult(self.gather(axis, indices) if self.ndim else self.clone(), indices)

    def gather(self, dim: int, index):
        """Entries picked along `dim`: for dim 0, out[i][j] = x[index[i][j]][j]. Its VJP
        adds each g back where its entry came from (a scatter-add; repeats add up); the
        index gets no gradient.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(1, tg.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
        """
        index = np.asarray(unwrap(index))
        if index.ndim != self.ndim:
            raise ValueError(f"gather: the index has {index.ndim} dimensions and the tensor "
                             f"{self.ndim}; they must have the same number")
        return self[_along(normalize_dim("gather", dim, self.ndim), index)]

    def scatter(self, dim: int, index, src=None, *, value=None):
        """A copy of x with the entries `index` points at along `dim` replaced by `src` (a
        tensor) or `value` (a number): for dim 0, out[index[i][j]][j] = src[i][j]. The
        gradient goes to x where it was kept and to src where it was placed. Where index
        names a position twice, the last src entry wins (PyTorch leaves it unspecified).

        >>> import tinygrad_edu as tg
        >>> tg.zeros(2, 3).scatter(1, tg.tensor([[2], [0]]), tg.tensor([[5.0], [7.0]]))
        tensor([[0., 0., 5.],
                [7., 0., 0.]])
        """
        index = np.asarray(unwrap(index))
        src = value if src is None else src
        position = _along(normalize_dim("scatter", dim, self.ndim), index)
        hit = np.zeros(self.shape, dtype=bool)
        hit[position] = True
        if not isinstance(src, (int, float, np.generic)):
            src = as_tensor(src)[tuple(slice(0, n) for n in index.shape)]
            flat = np.ravel_multi_index(np.broadcast_arrays(*position), self.shape).ravel()
            last = flat.size - 1 - np.unique(flat[::-1], return_index=True)[1]
            position = tuple(np.broadcast_to(p, index.shape).ravel()[last] for p in position)
            src = ops.scatter_add(src.reshape(-1)[last], index=position, shape=self.shape)
        return where(hit, src, self)

    def index_select(self, dim: int, index):
        """The slices at `index` (1-D) along `dim`; the gradient adds back (repeats too)."""
        axis = normalize_dim("index_select", dim, self.ndim)
        return self[(slice(None),) * axis + (np.asarray(unwrap(index)).reshape(-1),)]

    def masked_fill(self, mask, value):
        """x with `value` where `mask` (broadcast) is True; no gradient to x there."""
        return where(mask, value, self)

    def where(self, condition, other):
        """x where `condition` holds, `other` elsewhere (PyTorch's `x.where(c, y)`)."""
        return where(condition, self, other)

    def maximum(self, other): return maximum(self, other)
    def minimum(self, other): return minimum(self, other)

    # -- matrix products -----------------------------------------------------------------------
    def matmul(self, other): return matmul(self, other)

    def mm(self, other):
        """Matrix times matrix (2-D only; `matmul` broadcasts)."""
        return matmul(*_with_dims("mm", (self, 2), (other, 2)))

    def bmm(self, other):
        """A batch of matrix products: (b, n, k) @ (b, k, m)."""
        return matmul(*_with_dims("bmm", (self, 3), (other, 3)))

    def mv(self, vec):
        """Matrix times vector."""
        return matmul(*_with_dims("mv", (self, 2), (vec, 1)))

    def dot(self, other):
        """The inner product of two vectors (1-D only)."""
        return matmul(*_with_dims("dot", (self, 1), (other, 1)))

    def outer(self, other):
        """The outer product of two vectors: out[i][j] = x[i] y[j]."""
        x, y = _with_dims("outer", (self, 1), (other, 1))
        return x.unsqueeze(1) * y

    inner, ger = dot, outer

    # -- comparisons and logic: no gradient ---------------------------------------------------
    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne

    def equal(self, other) -> bool:
        """True if `other` has the same shape and the same values (a Python bool)."""
        other = unwrap(other)
        return self.shape == np.shape(other) and bool(np.all(self.array == other))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|x - y| <= atol + rtol |y| entrywise, as a boolean tensor."""
        return wrap(np.isclose(self.array, unwrap(other), rtol, atol, equal_nan))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
        """Whether `isclose` holds everywhere (a Python bool)."""
        return bool(np.allclose(self.array, unwrap(other), rtol, atol, equal_nan))

    def logical_and(self, other): return wrap(np.logical_and(self.array, unwrap(other)))
    def logical_or(self, other): return wrap(np.logical_or(self.array, unwrap(other)))
    def logical_xor(self, other): return wrap(np.logical_xor(self.array, unwrap(other)))
    def logical_not(self): return wrap(np.logical_not(self.array))

    def any(self, dim=None, keepdim=False):
        """Whether any entry (along `dim`) is not 0, as a boolean tensor."""
        return wrap(np.any(self.array, axis=dim, keepdims=keepdim))

    def all(self, dim=None, keepdim=False):
        """Whether every entry (along `dim`) is not 0, as a boolean tensor."""
        return wrap(np.all(self.array, axis=dim, keepdims=keepdim))

    def nonzero(self, *, as_tuple: bool = False):
        """The indices of the entries that are not 0: one row per entry (n, ndim), or with
        `as_tuple=True` one index tensor per dimension (ready for `x[...]`)."""
        if as_tuple:
            return tuple(wrap(i) for i in np.nonzero(np.atleast_1d(self.array)))
        return wrap(np.argwhere(self.array))

    def unique(self, sorted: bool = True, return_inverse: bool = False,
               return_counts: bool = False, dim: int | None = None):
        """The distinct values (sorted), and on request where each entry of x went
        (`return_inverse`, in x's shape) and how often each value occurs (`return_counts`).

        >>> import tinygrad_edu as tg
        >>> tg.tensor([2, 1, 2]).unique(return_counts=True)
        (tensor([1, 2], dtype=int64), tensor([1, 2], dtype=int64))
        """
        result = np.unique(self.array, return_inverse=return_inverse,
                           return_counts=return_counts, axis=dim)
        if not (return_inverse or return_counts):
            return wrap(result)
        result = list(result)
        if return_inverse:  # numpy 1.26 flattens it, numpy 2 keeps x's shape
            result[1] = result[1].reshape(self.shape if dim is None else -1)
        return tuple(wrap(r) for r in result)

    # -- shapes ------------------------------------------------------------------------------
    def t(self):
        """The transpose of a matrix (a vector or a number is returned as it is)."""
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor of at most 2 dimensions, got shape "
                             f"{self.shape}; use transpose(dim0, dim1) or mT")
        return self.transpose(0, -1)

    def view_as(self, other): return self.view(other.shape)
    def reshape_as(self, other): return self.reshape(other.shape)
    def expand_as(self, other): return self.expand(other.shape)
    def dim(self) -> int: return self.ndim
    nelement = numel

    def contiguous(self):
        """x itself if its numbers lie in row-major order, else a copy that does (as in
        PyTorch; numpy computes with any layout, so this matters only for `view`s)."""
        return self if self.array.flags.c_contiguous else ops.copy(self, order="C")

    def unflatten(self, dim: int, sizes):
        """Split dimension `dim` into `sizes` (one of them may be -1)."""
        axis = normalize_dim("unflatten", dim, self.ndim)
        return self.reshape(self.shape[:axis] + tuple(sizes) + self.shape[axis + 1:])

    def repeat(self, *sizes):
        """x repeated sizes[i] times along dimension i (numpy's `tile`; extra sizes add
        leading dimensions): a broadcast, so the gradient sums the copies.

        >>> import tinygrad_edu as tg
        >>> tg.tensor([1.0, 2.0]).repeat(2, 2)
        tensor([[1., 2., 1., 2.],
                [1., 2., 1., 2.]])
        """
        sizes = shape_args(sizes)
        if len(sizes) < self.ndim:
            raise ValueError(f"repeat: {len(sizes)} sizes for a tensor of {self.ndim} "
                             f"dimensions; give at least one per dimension")
        shape = (1,) * (len(sizes) - self.ndim) + self.shape
        spread = self.reshape(tuple(v for n in shape for v in (1, n)))
        spread = spread.expand(tuple(v for r, n in zip(sizes, shape) for v in (r, n)))
        return spread.reshape(tuple(r * n for r, n in zip(sizes, shape)))

    def tile(self, *dims):
        """Like `repeat`, but fewer sizes than dimensions repeat the last ones."""
        dims = shape_args(dims)
        return self.repeat((1,) * (self.ndim - len(dims)) + dims)

    def movedim(self, source, destination):
        """The dimensions `source` moved to the positions `destination`, the others keeping
        their order."""
        source = [normalize_dim("movedim", d, self.ndim) for d in _ints(source)]
        target = [normalize_dim("movedim", d, self.ndim) for d in _ints(destination)]
        if len(source) != len(target):
            raise ValueError(f"movedim: {len(source)} source and {len(target)} destination "
                             f"dimensions")
        order = [d for d in range(self.ndim) if d not in source]
        for to, d in sorted(zip(target, source)):
            order.insert(to, d)
        return self.permute(order)

    moveaxis = movedim

    def narrow(self, dim: int, start: int, length: int):
        """The entries start, ..., start + length - 1 along `dim`, as a view."""
        axis = normalize_dim("narrow", dim, self.ndim)
        size = self.shape[axis]
        start = start + size if start < 0 else start
        if not 0 <= start <= start + length <= size:
            raise IndexError(f"narrow: entries {start} to {start + length - 1} do not fit "
                             f"in dimension {dim} of size {size}")
        return self[(slice(None),) * axis + (slice(start, start + length),)]

    def split(self, split_size_or_sections, dim: int = 0):
        """Pieces along `dim`: of `split_size` each (the last may be smaller), or of the
        listed sizes, which must add up to the dimension's size."""
        axis = normalize_dim("split", dim, self.ndim)
        size, sizes = self.shape[axis], split_size_or_sections
        if isinstance(sizes, int):
            if sizes <= 0:
                raise ValueError(f"split: split_size must be positive, got {sizes}")
            sizes = [min(sizes, size - start) for start in range(0, size, sizes)] or [0]
        if sum(sizes) != size:
            raise ValueError(f"split: sizes {list(sizes)} do not add up to {size}")
        starts = np.cumsum([0, *sizes[:-1]])
        return tuple(self.narrow(axis, int(s), n) for s, n in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0):
        """`chunks` pieces (or fewer) of equal size along `dim`, the last maybe smaller."""
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be positive, got {chunks}")
        size = self.shape[normalize_dim("chunk", dim, self.ndim)]
        return self.split(max(math.ceil(size / chunks), 1), dim)

    def roll(self, shifts, dims=None):
        """Entries shifted by `shifts` along `dims` (all entries, flattened, if none), the
        ones pushed off the end coming back at the start."""
        if dims is None:
            return self.flatten().roll(shifts, 0).reshape(self.shape)
        x = self
        for shift, dim in zip(_ints(shifts), _ints(dims), strict=True):
            axis = normalize_dim("roll", dim, self.ndim)
            size = x.shape[axis]
            shift = shift % size if size else 0
            if shift:
                x = cat([x.narrow(axis, size - shift, shift), x.narrow(axis, 0, size - shift)],
                        axis)
        return x

    def flip(self, *dims):
        """The order of the entries reversed along `dims`."""
        axes = {normalize_dim("flip", d, self.ndim) for d in shape_args(dims)}
        return self[tuple(slice(None, None, -1) if a in axes else slice(None)
                          for a in range(self.ndim))]


def _records(t: Tensor, *operands) -> bool:
    """Whether an in-place change of t with these operands is recorded in a graph."""
    return thread_state.enabled and (t.requires_grad or any(
        isinstance(x, Tensor) and x.requires_grad for x in operands))


def _plus(t: Tensor, other, alpha) -> Tensor:
    return t + other if alpha == 1 else t + other * alpha


def _filled_with(t: Tensor, value) -> Tensor:
    """`value` broadcast to t's shape, as an operation on t (whose gradient is 0)."""
    return where(False, t, value)


# Tensor.type()'s answers: PyTorch's names of the CPU tensor types
_TYPE_NAMES = {np.dtype(d): f"torch.{n}Tensor" for d, n in [
    (float32, "Float"), (float64, "Double"), (float16, "Half"), (int64, "Long"),
    (np.int32, "Int"), (np.int16, "Short"), (np.int8, "Char"), (np.uint8, "Byte"),
    (bool_, "Bool")]}
_TYPE_DTYPES = {name: dtype for dtype, name in _TYPE_NAMES.items()}


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
    """Write `result` into t's memory, keeping t's shape and dtype (as PyTorch does: a
    result of a higher category, such as a float into an int tensor, is refused)."""
    if result.shape != t.shape:
        raise ValueError(f"{name}: the result has shape {result.shape}, which does not fit "
                         f"in place in a tensor of shape {t.shape}")
    if category(result.dtype) > category(t.dtype):  # PyTorch's rule: no float into ints
        raise TypeError(f"{name}: the result has dtype {result.dtype}, which cannot be "
                        f"stored in place in a tensor of dtype {t.dtype}")
    if primitive.recorder is not None:
        primitive.recorder.stored(t, result)
    try:
        np.copyto(t.array, result.array, casting="unsafe")
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


class _NumpyProtocols:
    """Where `Tensor.__array_ufunc__` and `__array_function__` find numpy_functions.py's
    dispatch: it registers itself when imported, as autograd.py registers the walk."""

    def __init__(self):
        self.ufunc = self.function = self.not_registered

    @staticmethod
    def not_registered(*args):
        raise RuntimeError("numpy functions on tensors are in tinygrad_edu.numpy_functions; "
                           "import tinygrad_edu before calling numpy on a Tensor")


numpy_protocols = _NumpyProtocols()


def register_numpy_protocols(ufunc: Callable, function: Callable) -> None:
    """Called once by numpy_functions.py: `ufunc(ufunc, method, inputs, kwargs)` and
    `function(func, types, args, kwargs)`, numpy's two protocols."""
    numpy_protocols.ufunc, numpy_protocols.function = ufunc, function


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


register_tensor_type(Tensor, wrap)


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


def _binary(op, x, y) -> Tensor:
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
    return _binary(ops.maximum, x, y)


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




# ---------------------------------------------------------------------------------------
# Helpers of the math and shape methods
# ---------------------------------------------------------------------------------------

def _rounded(op, x: Tensor, **params) -> Tensor:
    """A rounding primitive on a float tensor; an integer tensor is already whole."""
    return op(x, **params) if x.dtype.kind in "fc" else wrap(x.array.copy())


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if a in axes else n for a, n in enumerate(shape))


def _root(total: Tensor, p: float) -> Tensor:
    """total ** (1 / p) of a non-negative total (a variance, a sum of |x|^p), with gradient 0
    where total is 0 (a constant slice, the norm of a zero vector), as in PyTorch, instead
    of inf * 0 = NaN: the root's branch sees 1 there, and `where` sends it no gradient.
    NaN != 0, so a NaN total still gives NaN."""
    nonzero = total != 0
    return where(nonzero, where(nonzero, total, 1) ** (1 / p), 0)


def _along(axis: int, index: np.ndarray) -> tuple:
    """The numpy index that picks, for each position of `index`, the entry index[...]
    along `axis` and the same position along the others (gather's rule)."""
    return tuple(index if a == axis else
                 np.arange(n).reshape([-1 if b == a else 1 for b in range(index.ndim)])
                 for a, n in enumerate(index.shape))


def _with_dims(name: str, *pairs) -> list[Tensor]:
    """The operands as tensors, checked to have the dimensions the operation wants."""
    tensors = []
    for value, ndim in pairs:
        t = as_tensor(value)
        if t.ndim != ndim:
            raise ValueError(f"{name}: expects {ndim}-D operands, got shape {t.shape}")
        tensors.append(t)
    return tensors


def _ints(value) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _clipped(x: Tensor, low, high) -> Tensor:
    """min(max(x, low), high) by `where`, as PyTorch defines it (where low > high, high
    wins): the gradient goes to x inside [low, high], bounds included, and to the bound
    that x crosses."""
    if low is not None:
        x = where(x < low, low, x)
    if high is not None:
        x = where(x > high, high, x)
    return x
