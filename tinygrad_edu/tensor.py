"""Tensor: a numpy array that remembers how it was made.

A Tensor holds `array` (its numbers, an `np.ndarray`), `requires_grad`, `grad`, and, when
it was computed from tensors that require grad, a `node` (see `primitive.py`) naming the
primitive and its inputs. The class knows no derivative: operators and methods hand their
work to the primitives of `ops.py`, or compose them (`mean`, `softmax`). What it owns is
the PyTorch-like surface: dtypes, Python numbers and numpy arrays as operands, in-place
changes and their versions, and broadcasting, which it makes visible as an `expand` node
so that primitives see inputs of equal shape.

The class is in files by topic. This one holds its core: construction, properties,
gradients and `backward()`, conversion (`numpy()`, `to(dtype)`), Python's protocols
(`len`, `float`, indexing, `repr`) and in-place changes. `class Tensor` inherits the rest
of its methods from one class per file, each importing nothing of this file:

    tensor_arithmetic.py   operators, elementwise math, trigonometry, rounding, matmul
    tensor_reductions.py   sum, mean, var, max, softmax and friends, prod, cumsum, norm
    tensor_logic.py        comparisons and logic (no gradient)
    tensor_shapes.py       reshape, views, transposes, expand, split, roll, flip
    tensor_picking.py      sorting and picking: sort, topk, gather, scatter, where
    tensor_helpers.py      what they share: `wrap`, `as_tensor`, dtype promotion and
                           broadcasting, `where`, `cat`, `stack`, `matmul`, dimensions

tensor_helpers.py's functions are re-exported here (`from tinygrad_edu.tensor import
where`).

`backward()` runs the walk of `autograd.py`, which is built on this file: autograd.py
hands its walk over when it is imported (`register_backward`), as the Tensor class hands
itself to primitive.py and tensor_helpers.py, so this file imports nothing above it.
numpy's functions on tensors (`np.exp(t)`) are looked up in the tables of
`numpy_functions.py`, registered the same way (`register_numpy_protocols`).
"""

from __future__ import annotations

from collections.abc import Callable

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
from .tensor_arithmetic import ArithmeticMethods
from .tensor_helpers import (
    NUMERIC_KINDS,
    MaxResult,
    as_tensor,
    broadcast_shape,
    broadcast_to,
    cat,
    index_along,
    is_floating_point,
    is_tensor,
    matmul,
    maximum,
    minimum,
    normalize_dim,
    promote,
    register_tensor_class,
    result_type,
    same_dtype,
    shape_args,
    stack,
    to_array,
    where,
    wrap,
)
from .tensor_logic import LogicMethods
from .tensor_picking import PickingMethods
from .tensor_reductions import ReductionMethods
from .tensor_shapes import ShapeMethods

# What the package and its users import from here; the functions live in tensor_helpers.py
__all__ = [
    "NUMERIC_KINDS", "MaxResult", "Scalar", "Tensor", "as_tensor", "broadcast_shape",
    "broadcast_to", "cat", "is_floating_point", "is_tensor", "matmul", "maximum", "minimum",
    "normalize_dim", "promote", "register_backward", "register_numpy_protocols",
    "result_type", "same_dtype", "shape_args", "stack", "to_array", "where", "wrap",
]

Scalar = int | float | bool


class Tensor(ArithmeticMethods, ReductionMethods, LogicMethods, ShapeMethods,
             PickingMethods):
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

    nelement = numel

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

    def __getitem__(self, index): return ops.getitem(self, index=_index(index))

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
        position = index_along(normalize_dim("scatter_", dim, self.ndim), index)
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


register_tensor_type(Tensor, wrap)  # primitive.py: what primitives take, and make results with
register_tensor_class(Tensor)  # tensor_helpers.py: what its functions take and make


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
