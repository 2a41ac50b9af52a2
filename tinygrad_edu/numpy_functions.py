"""numpy's own functions on tensors: `np.exp(t)`, `np.abs(t)`, `np.sum(t, axis=-1)`.

A VJP is a formula that runs on arrays in a plain `backward()` and on tensors when the walk
records (`create_graph=True`, second derivatives). This file lets that formula be written
in numpy spelling: `g / (1 + np.abs(x)) ** 2` runs on arrays as numpy, and on tensors
numpy hands the call to the Tensor (its `__array_ufunc__` and `__array_function__`
protocols), which looks it up here and calls the primitive, recorded and differentiable.
A plain `backward()` never comes here: its VJPs see arrays only, at numpy's speed.

Three tables, to be read as lists:

* `UFUNCS`: numpy's ufuncs with a primitive or a composition of them (`np.exp` is
  `ops.exp`, `np.add` is the `+` of tensors, `ndarray + Tensor` included);
* `FUNCTIONS`: numpy's other functions with one (`np.sum`, `np.where`, `np.concatenate`),
  with numpy's keywords (`axis`, `keepdims`, `ddof`) mapped to the Tensor methods';
* `NO_GRADIENT`: answers that have no gradient (comparisons, `np.isfinite`, `np.shape`,
  `np.argmax`): they run on the numbers, whatever the tensors.

Anything else (a function without a differentiable form here, a ufunc method such as
`np.add.reduce`, a keyword such as `out=` or `dtype=`) runs on the numbers when no
gradient is wanted, and otherwise raises a TypeError that names the numpy function. The
dtypes are the Tensor operators' (PyTorch's promotion), because the entries call them.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> x = tg.tensor([-1.0, 2.0], requires_grad=True)
>>> np.sum(np.abs(x) ** 2, axis=0)
tensor(5., grad_fn=<SumBackward0>)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from .grad_mode import is_grad_enabled
from .tensor import (
    Tensor,
    as_tensor,
    broadcast_to,
    cat,
    matmul,
    maximum,
    minimum,
    register_numpy_protocols,
    stack,
    unwrap,
    where,
    wrap,
)

# ---------------------------------------------------------------------------------------
# ufuncs
# ---------------------------------------------------------------------------------------


def _operator(name: str) -> Callable[[object, object], Tensor]:
    """A binary ufunc as the Tensor operator: `x.__add__(y)`, or `y.__radd__(x)` when x is
    not a Tensor (`ndarray + Tensor`), so the dtypes are the operator's own."""
    forward, reflected = getattr(Tensor, f"__{name}__"), getattr(Tensor, f"__r{name}__")
    return lambda x, y: forward(x, y) if isinstance(x, Tensor) else reflected(y, x)


def _logaddexp(x, y) -> Tensor:
    """log(exp(x) + exp(y)) = larger + softplus(smaller - larger): exp never overflows, and
    each branch is smooth, so the second derivative is right at ties too."""
    x_larger = np.asarray(unwrap(x) >= unwrap(y))
    return where(x_larger, x + (y - x).softplus(), y + (x - y).softplus())


UFUNCS: dict[np.ufunc, Callable[..., Tensor]] = {
    # arithmetic: the operators
    np.add: _operator("add"),
    np.subtract: _operator("sub"),
    np.multiply: _operator("mul"),
    np.divide: _operator("truediv"),
    np.remainder: _operator("mod"),
    np.power: _operator("pow"),
    np.matmul: matmul,
    np.negative: Tensor.__neg__,
    np.positive: Tensor.__pos__,
    np.maximum: maximum,
    np.minimum: minimum,
    np.logaddexp: _logaddexp,
    np.arctan2: lambda y, x: as_tensor(y).atan2(x),
    # elementwise functions: the Tensor methods
    np.exp: Tensor.exp,
    np.exp2: lambda x: 2.0 ** x,
    np.expm1: Tensor.expm1,
    np.log: Tensor.log,
    np.log1p: Tensor.log1p,
    np.log2: Tensor.log2,
    np.log10: Tensor.log10,
    np.sqrt: Tensor.sqrt,
    np.square: Tensor.square,
    np.reciprocal: Tensor.reciprocal,
    np.abs: Tensor.abs,
    np.fabs: Tensor.abs,
    np.sin: Tensor.sin,
    np.cos: Tensor.cos,
    np.tan: Tensor.tan,
    np.arcsin: Tensor.asin,
    np.arccos: Tensor.acos,
    np.arctan: Tensor.atan,
    np.sinh: Tensor.sinh,
    np.cosh: Tensor.cosh,
    np.tanh: Tensor.tanh,
    # steps: gradient 0 (PyTorch's convention)
    np.sign: Tensor.sign,
    np.floor: Tensor.floor,
    np.ceil: Tensor.ceil,
    np.trunc: Tensor.trunc,
    np.rint: Tensor.round,
}

# ---------------------------------------------------------------------------------------
# Other functions, with numpy's signatures (only the keywords listed are supported)
# ---------------------------------------------------------------------------------------


def _reduction(method: str) -> Callable[..., Tensor]:
    """np.sum, np.mean, np.max, ...: the method with numpy's axis and keepdims."""
    def reduce(a, axis=None, keepdims=False):
        return getattr(as_tensor(a), method)(axis=axis, keepdims=keepdims)
    return reduce


def _scan(method: str) -> Callable[..., Tensor]:
    """np.cumsum and np.cumprod: without an axis numpy scans the flattened array."""
    def scan(a, axis=None):
        a = as_tensor(a)
        return getattr(a.reshape(-1), method)(0) if axis is None else getattr(a, method)(axis)
    return scan


def _spread(method: str) -> Callable[..., Tensor]:
    """np.var and np.std: numpy's ddof is PyTorch's correction (numpy's default is 0)."""
    def spread(a, axis=None, ddof=0, keepdims=False):
        return getattr(as_tensor(a), method)(axis=axis, keepdims=keepdims, correction=ddof)
    return spread


def _dot(a, b) -> Tensor:
    """np.dot: a product with a number, or the matrix product for operands of 1 or 2
    dimensions (where np.dot and np.matmul agree)."""
    a, b = as_tensor(a), as_tensor(b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim > 2:
        raise TypeError(f"numpy.dot: a second operand of {b.ndim} dimensions sums over its "
                        f"second-to-last axis, which numpy.matmul does not; use np.matmul "
                        f"or np.einsum on the arrays")
    return matmul(a, b)


def _where(condition, x=None, y=None):
    """np.where(c, x, y), differentiable in x and y; np.where(c) gives the indices."""
    if x is None and y is None:
        return as_tensor(condition).nonzero(as_tuple=True)
    return where(condition, x, y)


def _concatenate(arrays, axis=0) -> Tensor:
    if axis is None:  # numpy flattens first
        return cat([as_tensor(a).reshape(-1) for a in arrays], 0)
    return cat(arrays, axis)


def _transpose(a, axes=None) -> Tensor:
    a = as_tensor(a)
    return a.permute(tuple(range(a.ndim))[::-1] if axes is None else axes)


def _squeeze(a, axis=None) -> Tensor:
    a = as_tensor(a)
    if axis is None:
        return a.squeeze()
    for d in sorted((d % a.ndim for d in _axes(axis)), reverse=True):
        if a.shape[d] != 1:
            raise ValueError(f"numpy.squeeze: axis {d} has size {a.shape[d]}, not 1")
        a = a.squeeze(d)
    return a


def _expand_dims(a, axis) -> Tensor:
    a = as_tensor(a)
    axes = _axes(axis)
    for d in sorted(d % (a.ndim + len(axes)) for d in axes):
        a = a.unsqueeze(d)
    return a


def _axes(axis) -> tuple[int, ...]:
    return tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)


def _flip(m, axis=None) -> Tensor:
    m = as_tensor(m)  # without an axis numpy flips them all
    return m.flip(*(range(m.ndim) if axis is None else _axes(axis)))


def _sort(a, axis=-1) -> Tensor:
    a = as_tensor(a)  # with axis=None numpy sorts the flattened array
    return (a.reshape(-1).sort(0) if axis is None else a.sort(axis)).values


FUNCTIONS: dict[Callable, Callable[..., Tensor]] = {
    # reductions and scans
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.prod: _reduction("prod"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.min: _reduction("min"),
    np.amin: _reduction("min"),
    np.var: _spread("var"),
    np.std: _spread("std"),
    np.cumsum: _scan("cumsum"),
    np.cumprod: _scan("cumprod"),
    # choices and bounds
    np.where: _where,
    np.clip: lambda a, a_min, a_max: as_tensor(a).clip(a_min, a_max),
    np.round: lambda a, decimals=0: as_tensor(a).round(decimals),
    # products
    np.dot: _dot,
    np.outer: lambda a, b: as_tensor(a).reshape(-1).outer(as_tensor(b).reshape(-1)),
    # shapes
    np.reshape: lambda a, shape: as_tensor(a).reshape(shape),
    np.ravel: lambda a: as_tensor(a).reshape(-1),
    np.transpose: _transpose,
    np.swapaxes: lambda a, axis1, axis2: as_tensor(a).swapaxes(axis1, axis2),
    np.moveaxis: lambda a, source, destination: as_tensor(a).movedim(source, destination),
    np.squeeze: _squeeze,
    np.expand_dims: _expand_dims,
    np.broadcast_to: lambda array, shape: broadcast_to(as_tensor(array), tuple(shape)),
    np.concatenate: _concatenate,
    np.stack: lambda arrays, axis=0: stack(arrays, axis),
    np.tile: lambda A, reps: as_tensor(A).tile(reps),
    np.flip: _flip,
    np.roll: lambda a, shift, axis=None: as_tensor(a).roll(shift, axis),
    np.sort: _sort,
    np.copy: lambda a: as_tensor(a).clone(),
}

# Answers without a gradient: they run on the numbers even for tensors that require grad
NO_GRADIENT: set[Callable] = {
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert,
    np.isfinite, np.isinf, np.isnan, np.signbit,
    np.shape, np.ndim, np.size, np.result_type,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.argwhere, np.count_nonzero,
    np.any, np.all, np.isclose, np.allclose, np.array_equal,
    np.zeros_like, np.ones_like, np.full_like, np.empty_like,
}

# ---------------------------------------------------------------------------------------
# The dispatch: numpy's two protocols
# ---------------------------------------------------------------------------------------


def on_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict):
    """`Tensor.__array_ufunc__`: a ufunc called with a Tensor among its operands."""
    entry = UFUNCS.get(ufunc)
    if method == "__call__" and not kwargs and entry is not None:
        return entry(*inputs)
    name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
    if method != "__call__":
        why = f"numpy's ufunc method .{method} has no differentiable form here"
    elif kwargs:
        why = f"the keywords {sorted(kwargs)} are not supported on tensors"
    else:
        why = "it has no differentiable form here"
    return _on_numbers(name, getattr(ufunc, method), inputs, kwargs,
                       has_gradient=ufunc not in NO_GRADIENT, why=why)


def on_function(func: Callable, types: tuple, args: tuple, kwargs: dict):
    """`Tensor.__array_function__`: a numpy function called with a Tensor argument."""
    if not all(issubclass(t, (Tensor, np.ndarray)) for t in types):
        return NotImplemented  # another library's arrays: numpy's rules decide
    name = f"numpy.{func.__name__}"
    entry = FUNCTIONS.get(func)
    if entry is not None:
        try:
            _signature(entry).bind(*args, **kwargs)
        except TypeError:
            accepted = ", ".join(list(_signature(entry).parameters)[1:])
            why = f"only the arguments ({accepted}) are supported on tensors"
        else:
            return entry(*args, **kwargs)
    else:
        why = "it has no differentiable form here"
    return _on_numbers(name, func, args, kwargs, has_gradient=func not in NO_GRADIENT, why=why)


_signatures: dict[Callable, inspect.Signature] = {}


def _signature(entry: Callable) -> inspect.Signature:
    if entry not in _signatures:
        _signatures[entry] = inspect.signature(entry)
    return _signatures[entry]


def _on_numbers(name: str, func: Callable, args: tuple, kwargs: dict, has_gradient: bool,
                why: str):
    """numpy's own answer, computed on the numbers: array answers come back as constant
    tensors (an `out=` array stays numpy's). Refused where a gradient is wanted."""
    if any(isinstance(o, Tensor) for o in _flat(kwargs.get("out") or ())):
        raise TypeError(f"{name}: out= cannot be a Tensor (numpy would write into its memory "
                        f"behind the graph's back); use the result instead")
    if has_gradient and is_grad_enabled() and any(
            isinstance(v, Tensor) and v.requires_grad for v in _flat((args, kwargs))):
        raise TypeError(
            f"{name} on a Tensor that requires grad: {why}, so its result would have no "
            f"gradient. Use the numpy functions listed in tinygrad_edu/numpy_functions.py "
            f"(np.exp, np.abs, np.sum(..., axis=...), np.where, ...) or the Tensor's "
            f"methods; for numbers only, call it on t.detach().numpy()")
    result = func(*_numbers(args), **_numbers(kwargs))
    if "out" in kwargs:
        return result
    if isinstance(result, tuple):
        return tuple(wrap(r) if type(r) is np.ndarray else r for r in result)
    return wrap(result) if type(result) is np.ndarray else result


def _flat(value):
    """The values in nested tuples, lists and dicts (numpy's arguments)."""
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _flat(v)
    else:
        yield value


def _numbers(value):
    """`value` with every Tensor replaced by its array, inside tuples, lists and dicts."""
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(_numbers(v) for v in value)
    return value


register_numpy_protocols(on_ufunc, on_function)
