"""The table of primitives: each numpy forward beside its VJP.

Read this file as a table of derivatives. Each entry is

    name = Primitive("name", numpy_forward,
                     vjp_for_input_0,      # d(out)/d(input 0), applied to g
                     vjp_for_input_1, ...,
                     formulas=(...),       # the VJPs as short text, for pictures and docs
                     saves=(...))          # what each VJP reads (the version check)

and every VJP has the one signature `vjp(g, out, *inputs, **params)`: `g` is the gradient
arriving at the output `out`, and the result is the gradient for that input, of the input's
shape. VJPs are formulas that numpy arrays and Tensors both understand (`g * y`, `g @ w`,
`matrix_transpose(x)`, `g.sum(axis=0)`, and the primitives of this table, such as
`sigmoid(z)`). A plain `backward()` runs them on arrays, at numpy's speed; with
`create_graph=True` it runs them on Tensors, so the backward pass is itself recorded and can
be differentiated: that is where second derivatives (`tg.hessian`) come from.

Elementwise primitives see inputs of equal shape: the Tensor layer inserts an `expand`
node where numpy would broadcast, and `expand`'s VJP, `sum_to`, is the one place where a
gradient is summed back over broadcast axes. Everything not in this table (softmax,
logsumexp, most losses, convolution) is a composition in `nn/functional.py`, and its
gradient is never written by hand. The few compositions fused into one entry here (sigmoid,
softplus, relu, log_softmax, linear and the binary cross entropies) say why beside them,
and tests/test_fused.py checks each against autodiff through its composed form.

This file knows no Tensor class (it imports only `primitive.py`): masks and signs are taken
from plain arrays (`unwrap`), and constants join a formula through `constant_like`.
"""

from __future__ import annotations

import builtins
import functools
import math

import numpy as np

from .generator import generator
from .primitive import Primitive, constant_like, unwrap

# ---------------------------------------------------------------------------------------
# Helpers the VJPs share
# ---------------------------------------------------------------------------------------

def sum_to(g, shape: tuple[int, ...]):
    """Sum a broadcast gradient back to `shape`: over the leading axes numpy prepended and
    over the axes where `shape` has size 1. The only un-broadcasting in the engine."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=axes, keepdims=True).reshape(shape)


def _unreduce(g, shape: tuple[int, ...], axis: tuple[int, ...],
              keepdims: bool):
    """Spread the gradient of a reduction back over the axes that were reduced."""
    if not keepdims and len(axis) < len(shape):  # a full reduction's 0-d g broadcasts as is
        g = reshape(g, shape=tuple(1 if i in axis else n for i, n in enumerate(shape)))
    return g if g.shape == shape else expand(g, shape=shape)


# ---------------------------------------------------------------------------------------
# Elementwise arithmetic
# ---------------------------------------------------------------------------------------

# d(x + y) = dx + dy
add = Primitive("add", np.add,
                lambda g, out, x, y: g,
                lambda g, out, x, y: g,
                formulas=("g", "g"), saves=("", ""))

# d(x - y) = dx - dy
sub = Primitive("sub", np.subtract,
                lambda g, out, x, y: g,
                lambda g, out, x, y: -g,
                formulas=("g", "-g"), saves=("", ""))

# d(x y) = y dx + x dy
mul = Primitive("mul", np.multiply,
                lambda g, out, x, y: g * y,
                lambda g, out, x, y: g * x,
                formulas=("g * y", "g * x"), saves=("y", "x"))

# d(x / y) = dx / y - (x / y^2) dy = dx / y - (out / y) dy
div = Primitive("div", np.divide,
                lambda g, out, x, y: g / y,
                lambda g, out, x, y: -g * out / y,
                formulas=("g / y", "-g * out / y"), saves=("y", "out y"))

# Python's x % y (numpy's and PyTorch's remainder): x - floor(x / y) y, with the sign of y.
# Between its jumps it moves with x at slope 1, and with y at slope -floor(x / y)
remainder = Primitive("remainder", np.remainder,
                      lambda g, out, x, y: g,
                      lambda g, out, x, y: -g * floor(x / y),
                      formulas=("g", "-g * floor(x / y)"), saves=("", "x y"))

# d(-x) = -dx
neg = Primitive("neg", np.negative,
                lambda g, out, x: -g,
                formulas=("-g",), saves=("",))


def _pow_vjp_base(g, out, x, p):
    # d(x^p) = p x^(p-1) dx; with p = 0 the derivative is 0 everywhere, 0 included
    if isinstance(p, (int, float)):
        return g * 0 if p == 0 else g * p * x ** (p - 1)
    # a tensor p: where p = 0 and x = 0, p x^(p-1) would be 0 * inf; the exponent 1 there
    # gives p x = 0 (PyTorch's 0) without computing the infinity, and leaves every other
    # entry (and its second derivatives) as it was
    at_zero = (unwrap(p) == 0) & (np.asarray(unwrap(x)) == 0)
    return g * p * x ** where(at_zero, 1, p - 1) if at_zero.any() else g * p * x ** (p - 1)


def _pow_vjp_exponent(g, out, x, p):
    # d(x^p) = x^p log(x) dp, taken as 0 where x <= 0 (no real logarithm there)
    if isinstance(x, (int, float)):  # a number base, as in 2 ** t
        return g * out * (float(np.log(x)) if x > 0 else 0.0)
    return g * out * log(where(unwrap(x) > 0, x, 1))


pow = Primitive("pow", np.power, _pow_vjp_base, _pow_vjp_exponent,
                formulas=("g * p * x ** (p - 1)", "g * out * log(x)"),
                saves=("x p", "out x"))

# ---------------------------------------------------------------------------------------
# Elementwise functions
# ---------------------------------------------------------------------------------------

# d exp(x) = exp(x) dx: save the output, not the input
exp = Primitive("exp", np.exp,
                lambda g, out, x: g * out,
                formulas=("g * out",), saves=("out",))

# d log(x) = dx / x
log = Primitive("log", np.log,
                lambda g, out, x: g / x,
                formulas=("g / x",), saves=("x",))

# d |x| = sign(x) dx (0 at x = 0, as in PyTorch)
abs = Primitive("abs", np.abs,
                lambda g, out, x: g * constant_like(np.sign(unwrap(x)), g),
                formulas=("g * sign(x)",), saves=("x",))

# d tanh(x) = (1 - tanh(x)^2) dx
tanh = Primitive("tanh", np.tanh,
                 lambda g, out, x: g * (1 - out * out),
                 formulas=("g * (1 - out * out)",), saves=("out",))

_erf_each = np.frompyfunc(math.erf, 1, 1)


def _erf(x: np.ndarray) -> np.ndarray:
    """The error function, element by element with the C library's erf (numpy has none;
    slower than a ufunc, but exact)."""
    return np.asarray(_erf_each(x), dtype=x.dtype)


# d erf(x) = 2 / sqrt(pi) exp(-x^2) dx (GELU's x Phi(x) needs it)
erf = Primitive("erf", _erf,
                lambda g, out, x: g * (2 / math.sqrt(math.pi)) * exp(-(x * x)),
                formulas=("g * 2 / sqrt(pi) * exp(-x * x)",), saves=("x",))


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-x)) = exp(min(x, 0)) / (1 + exp(-|x|)): exp never sees a positive
    number, so nothing overflows, and tiny results keep their relative precision."""
    return np.exp(np.minimum(x, 0)) / (1 + np.exp(-np.abs(x)))


# Fused for stability and speed (one node instead of four; tests check it against autodiff
# through 1 / (1 + exp(-x))). d sigmoid(x) = sigmoid(x) (1 - sigmoid(x)) dx
sigmoid = Primitive("sigmoid", _stable_sigmoid,
                    lambda g, out, x: g * out * (1 - out),
                    formulas=("g * out * (1 - out)",), saves=("out",))


# Fused for speed: np.maximum is an order of magnitude faster than np.where on large arrays
# (tests check it against autodiff through where(x > 0, x, 0)).
# d relu(x) = [x > 0] dx, so the gradient at exactly 0 is 0, as in PyTorch (the boolean
# mask multiplies as 0 and 1 and keeps g's dtype)
relu = Primitive("relu", lambda x: np.maximum(x, 0),
                 lambda g, out, x: g * (x > 0),
                 formulas=("g * (x > 0)",), saves=("x",))


def _softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + exp(x)) = log(exp(0) + exp(x)): numpy's logaddexp computes it in the stable
    form max(x, 0) + log1p(exp(-|x|)), in one pass (exp never sees a positive number)."""
    return np.logaddexp(0, x)


# Fused for stability and speed (one node instead of seven; tests check it against autodiff
# through relu(x) + log(1 + exp(-|x|))). d softplus(x) = sigmoid(x) dx
softplus = Primitive("softplus", _softplus,
                     lambda g, out, x: g * sigmoid(x),
                     formulas=("g * sigmoid(x)",), saves=("x",))


LOG_FLOOR = -100.0  # PyTorch floors log(p) at -100, so p = 0 or 1 gives a finite loss


def _floored_log(x: np.ndarray) -> np.ndarray:
    # max(log x, -100); x is first lifted to 1e-45 (below e^-100, and not 0 even in float32)
    # so that log never sees 0 and never warns
    return np.maximum(np.log(np.maximum(x, 1e-45)), LOG_FLOOR)


def _binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return -(y * _floored_log(p) + (1 - y) * _floored_log(1 - p))


def _bce_vjp_p(g, out, p, y):
    # d/dp = (p - y) / (p (1 - p)). The denominator is kept from underflowing to 0 (p = 0
    # or 1 exactly) by the dtype's smallest normal number, not PyTorch's 1e-12, which
    # would shrink the gradient wherever p (1 - p) < 1e-12 (|z| > 28 behind a sigmoid)
    return g * (p - y) / maximum(p * (1 - p), float(np.finfo(p.dtype).tiny))


def _bce_vjp_y(g, out, p, y):
    # d/dy = log(1 - p) - log(p), with the forward's floored logs (as primitives)
    floored_log = lambda t: maximum(log(maximum(t, 1e-45)), LOG_FLOOR)
    return g * (floored_log(1 - p) - floored_log(p))


# Elementwise binary cross entropy of probabilities p against targets y:
# -(y log p + (1 - y) log(1 - p)). Fused for speed (one node instead of eleven; tests
# check its VJPs against autodiff through that composition). Its VJP for p is the loss's
# own derivative, (p - y) / (p (1 - p)); the article's `a - y` appears only when the chain
# rule multiplies it by sigmoid's p (1 - p).
binary_cross_entropy = Primitive(
    "binary_cross_entropy", _binary_cross_entropy, _bce_vjp_p, _bce_vjp_y,
    formulas=("g * (p - y) / (p * (1 - p))", "g * (log(1 - p) - log(p))"),
    saves=("p y", "p"))


def _bce_with_logits(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, z) - y * z  # softplus(z) - y z, stable for any z


# The same loss taken from the logits z, p = sigmoid(z): -(y log p + (1 - y) log(1 - p))
# = softplus(z) - y z. Fused for speed (one node instead of three: softplus, mul, sub),
# as in PyTorch. Its VJP for z is sigmoid(z) - y: the chain rule through softplus(z) - y z
# gives it (softplus' = sigmoid), and tests check it against autodiff through that
# composition, first and second order. This is the article's output delta, a - y.
binary_cross_entropy_with_logits = Primitive(
    "binary_cross_entropy_with_logits", _bce_with_logits,
    lambda g, out, z, y: g * (sigmoid(z) - y),
    lambda g, out, z, y: -(g * z),
    formulas=("g * (sigmoid(z) - y)", "-g * z"), saves=("z y", "z"))


def exp_shift(x: np.ndarray, axis: int) -> np.ndarray:
    """The maximum along `axis` (kept as a size-1 axis), 0 where it is not finite: what
    log-sum-exp and softmax subtract so that exp never overflows. Their value does not
    depend on the shift, so it is a constant, with no gradient of its own."""
    m = np.maximum.reduce(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


# The shift as an operation on tensors (softmax and logsumexp subtract it): a constant,
# so without a VJP; a primitive, so that a compiled step records it like any other value
max_shift = Primitive("max_shift", exp_shift, None)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - exp_shift(x, axis)
    return shifted - np.log(np.add.reduce(np.exp(shifted), axis=axis, keepdims=True))


# log softmax(x) = x - log(sum(exp(x))) along `axis`. Fused for speed (one node instead of
# eight), as in PyTorch; tests check it against autodiff through x - logsumexp(x), first
# and second order. d log softmax(x) = dx - softmax(x) sum(dx): every output moves with
# its own input, less the softmax-weighted sum of all of them; softmax(x) = exp(out).
# Behind the cross entropy's pick of -log softmax at the target, the chain rule turns
# this into the article's softmax(z) - y.
log_softmax = Primitive("log_softmax", _log_softmax,
                        lambda g, out, x, axis: g - exp(out) * g.sum(axis=axis, keepdims=True),
                        formulas=("g - softmax(x) * sum(g)",), saves=("out",))


def _maximum_share(x, y, g):
    """1 where x wins, 0 where y wins, 1/2 on ties (the gradient is shared, as in PyTorch).
    Either side may be a Python number (softplus uses maximum(x, 0))."""
    x, y = (np.asarray(unwrap(v)) for v in (x, y))
    return constant_like((x > y) + 0.5 * (x == y), g)


# d max(x, y) = [x > y] dx + [x < y] dy, ties split evenly
maximum = Primitive("maximum", np.maximum,
                    lambda g, out, x, y: g * _maximum_share(x, y, g),
                    lambda g, out, x, y: g * _maximum_share(y, x, g),
                    formulas=("g * [x > y] (1/2 on ties)", "g * [y > x] (1/2 on ties)"),
                    saves=("x y", "x y"))

# where(c, x, y): the gradient goes to x where c holds and to y elsewhere; none to c
where = Primitive("where", np.where,
                   None,
                   lambda g, out, c, x, y: where(c, g, 0),
                   lambda g, out, c, x, y: where(c, 0, g),
                   formulas=("", "where(c, g, 0)", "where(c, 0, g)"), saves=("", "c", "c"))


def _dropout_scale(x: np.ndarray, p: float) -> np.ndarray:
    keep = generator().random(x.shape) >= p
    return (keep / (1 - p)).astype(x.dtype)


# Dropout's factor for each entry of x: 0 with probability p, else 1 / (1 - p), drawn from
# the default generator. No gradient: dropout is x times this constant. A primitive so
# that a traced step (tg.compile) draws anew at every call, as the eager step does.
dropout_scale = Primitive("dropout_scale", _dropout_scale, None)


# Comparisons and logic: booleans, without a gradient (no VJP). They are primitives so that
# a traced step (tg.compile) sees the masks they make, rather than numbers it would freeze
eq = Primitive("eq", np.equal, None, None)
ne = Primitive("ne", np.not_equal, None, None)
lt = Primitive("lt", np.less, None, None)
le = Primitive("le", np.less_equal, None, None)
gt = Primitive("gt", np.greater, None, None)
ge = Primitive("ge", np.greater_equal, None, None)
bitwise_and = Primitive("bitwise_and", np.bitwise_and, None, None)
bitwise_or = Primitive("bitwise_or", np.bitwise_or, None, None)
invert = Primitive("invert", np.invert, None)

# A copy in new memory (clone; with order="C", in row-major order); the gradient passes
copy = Primitive("copy", np.copy,
                 lambda g, out, x, order="K": g,
                 formulas=("g",), saves=("",))

# A change of dtype; the gradient is cast back
cast = Primitive("cast", lambda x, dtype: x.astype(dtype),
                 lambda g, out, x, dtype: cast(g, dtype=x.dtype),
                 formulas=("g cast back to x's dtype",), saves=("",))

# ---------------------------------------------------------------------------------------
# Reductions (axis is a tuple of non-negative axes, normalised by the Tensor layer)
# ---------------------------------------------------------------------------------------

# d sum(x) = sum(dx): every entry receives the gradient of the sum it fed
sum = Primitive("sum", np.add.reduce,
                lambda g, out, x, axis, keepdims: _unreduce(g, x.shape, axis, keepdims),
                formulas=("g spread over the summed axes",), saves=("",))


def _max_vjp(g, out, x, axis, keepdims):
    # The gradient goes to the entries equal to the maximum, shared evenly among ties. A NaN
    # is the maximum of its window (numpy and PyTorch propagate it), so there the gradient
    # goes to the NaN entries only, as in PyTorch, not 0/0 to the whole window
    kept = unwrap(out) if keepdims else np.expand_dims(unwrap(out), axis)
    share = unwrap(x) == kept
    if np.isnan(kept).any():
        share |= np.isnan(unwrap(x)) & np.isnan(kept)
    share = share.astype(g.dtype)
    share /= share.sum(axis=axis, keepdims=True)  # in place: pooling makes this array large
    return _unreduce(g, x.shape, axis, keepdims) * constant_like(share, g)


max = Primitive("max", np.maximum.reduce, _max_vjp,
                formulas=("g to the maxima (shared on ties)",), saves=("out x",))

# ---------------------------------------------------------------------------------------
# Shapes: views of the same numbers; their VJPs undo the move
# ---------------------------------------------------------------------------------------

reshape = Primitive("reshape", lambda x, shape: x.reshape(shape),
                    lambda g, out, x, shape: g.reshape(x.shape),
                    formulas=("g reshaped back",), saves=("",), view=True)

permute = Primitive("permute", np.transpose,
                    lambda g, out, x, axes: permute(
                        g, axes=tuple(sorted(range(len(axes)), key=axes.__getitem__))),
                    formulas=("g permuted back",), saves=("",), view=True)

def _broadcast(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    # numpy's broadcast_to makes a view (no copy) but costs microseconds of Python: for
    # small results a plain copy is several times faster, for large ones the view wins
    if math.prod(shape) > 4096:
        return np.broadcast_to(x, shape)
    out = np.empty(shape, dtype=x.dtype)
    out[...] = x
    return out


# Broadcasting copies x along new or size-1 axes, so its VJP sums them back
expand = Primitive("expand", _broadcast,
                   lambda g, out, x, shape: sum_to(g, x.shape),
                   formulas=("g summed over the broadcast axes",), saves=("",), view=True)


def _has_integer_array(index) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return builtins.any(isinstance(i, np.ndarray) and i.dtype != bool for i in parts)


def _scatter_add(g: np.ndarray, index, shape) -> np.ndarray:
    """Zeros of `shape` with g added at `index`; repeated integer indices accumulate."""
    z = np.zeros(shape, dtype=g.dtype)
    if _has_integer_array(index):
        np.add.at(z, index, g)
    else:  # slices, integers and boolean masks never select an entry twice
        z[index] = g
    return z


# x[index] (slices, integers, integer arrays, boolean masks) and its adjoint, scatter_add;
# each is the other's VJP, so second derivatives of indexing work too
getitem = Primitive("getitem", lambda x, index: x[index],
                    lambda g, out, x, index: scatter_add(g, index=index, shape=x.shape),
                    formulas=("g put back at the index (zeros elsewhere)",), saves=("",),
                    view=True)
scatter_add = Primitive("scatter_add", _scatter_add,
                        lambda g, out, x, index, shape: getitem(g, index=index),
                        formulas=("g[index]",), saves=("",))


def _setitem(x: np.ndarray, v, index) -> np.ndarray:
    out = x.copy()  # a new array: the recorded graph keeps x as it was
    out[index] = v
    return out


# x with x[index] = v (item assignment recorded in a graph): the entries that were
# overwritten send no gradient to x; v receives g at the index, summed over the entries
# it was broadcast to
setitem = Primitive("setitem", _setitem,
                    lambda g, out, x, v, index: setitem(g, 0, index=index),
                    lambda g, out, x, v, index: sum_to(getitem(g, index=index), v.shape),
                    formulas=("g with zeros at the index", "g[index] summed to v's shape"),
                    saves=("", "v"))


def _slice_of_input(k: int):
    def vjp(g, out, *inputs, axis):
        start = builtins.sum(x.shape[axis] for x in inputs[:k])
        return g[(slice(None),) * axis + (slice(start, start + inputs[k].shape[axis]),)]
    return vjp


@functools.cache
def cat(n: int) -> Primitive:
    """Concatenation of n tensors along `axis`; input k's gradient is its slice of g."""
    return Primitive("cat", lambda *arrays, axis: np.concatenate(arrays, axis),
                     *[_slice_of_input(k) for k in range(n)],
                     formulas=("g's slice for this input",) * n, saves=("",) * n)


# ---------------------------------------------------------------------------------------
# Matrix product (numpy's rules: 1-D operands are promoted, batch axes broadcast)
# ---------------------------------------------------------------------------------------

def matrix_transpose(a):
    """The last two axes swapped (numpy 2's `a.mT`, which numpy 1.26 lacks)."""
    return a.swapaxes(-1, -2)


def _times_transposed(a, b):
    """a @ b^T. For matrices with fewer rows in a than in b it is computed as (b @ a^T)^T:
    the same numbers, but OpenBLAS runs a long, thin product about 1.7x faster with the
    taller operand on the left (the gradient of conv2d's filters is such a product)."""
    if a.ndim == 2 and b.ndim == 2 and a.shape[0] < b.shape[0]:
        return matrix_transpose(b @ matrix_transpose(a))
    return a @ matrix_transpose(b)


def _matmul_vjp_x(g, out, x, y):
    # d(x @ y) = dx @ y, so the gradient for x is g @ y^T
    if y.ndim == 1:
        g, y = g[..., None], y[..., None]
    if x.ndim == 1:
        g = g[..., None, :]
    gx = _times_transposed(g, y)
    return sum_to(gx, x.shape if x.ndim > 1 else (1,) + x.shape).reshape(x.shape)


def _matmul_vjp_y(g, out, x, y):
    # d(x @ y) = x @ dy, so the gradient for y is x^T @ g
    if x.ndim == 2 and y.ndim == 1:  # X @ beta, as in regression: X^T g needs no promotion
        return matrix_transpose(x) @ g
    if y.ndim == 1:
        g = g[..., None]
    if x.ndim == 1:
        g, x = g[..., None, :], x[None]
    gy = matrix_transpose(x) @ g
    return sum_to(gy, y.shape if y.ndim > 1 else y.shape + (1,)).reshape(y.shape)


matmul = Primitive("matmul", np.matmul, _matmul_vjp_x, _matmul_vjp_y,
                   formulas=("g @ y.T", "x.T @ g"), saves=("y", "x"))


def _linear(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
    out = x @ w.T
    if b is not None:
        out += b
    return out


def _rows(t):
    """(..., k) as a matrix of rows (n, k): the leading axes are all one batch."""
    return t if t.ndim == 2 else t.reshape(-1, t.shape[-1])


# A dense layer, x W^T + b with W of shape (out, in) as in PyTorch, fused for speed: one
# node instead of four (permute, matmul, expand, add); tests check it against autodiff
# through that composition. dx = g W, dW = g^T x (summed over the batch), db = sum of g.
linear = Primitive("linear", _linear,
                   lambda g, out, x, w, b: g @ w,
                   lambda g, out, x, w, b: matrix_transpose(_rows(g)) @ _rows(x),
                   lambda g, out, x, w, b: _rows(g).sum(axis=0),
                   formulas=("g @ W", "g.T @ x", "sum of g over the batch"),
                   saves=("w", "x", ""))


# ---------------------------------------------------------------------------------------
# Sliding windows (convolution and pooling)
#
# `windows` looks at an image through a (KH, KW) window moved by `stride`: (..., H, W)
# becomes (..., OH, OW, KH, KW), a view of the same numbers (no copy). Convolution is then
# windows times filters (one matmul) and pooling a max or mean over the last two axes.
# Its adjoint, `window_add`, adds each window's gradient back where the window was taken
# (overlapping windows add up); each is the other's VJP, so second derivatives work.
# ---------------------------------------------------------------------------------------

def _windows(x: np.ndarray, kernel: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    view = np.lib.stride_tricks.sliding_window_view(x, kernel, axis=(-2, -1))
    return view[..., ::stride[0], ::stride[1], :, :]


def _window_add(g: np.ndarray, size: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """Zeros of shape (..., *size) with window (i, j) of g added where it was taken: one
    strided slice per kernel offset, so the loop runs KH * KW times, not once per pixel."""
    *lead, oh, ow, kh, kw = g.shape
    (sh, sw), (h, w) = stride, size
    if (h - kh) // sh + 1 != oh or (w - kw) // sw + 1 != ow:
        raise ValueError(f"{oh}x{ow} windows of {kh}x{kw} with stride {stride} do not "
                         f"fit an image of {h}x{w}")
    out = np.zeros((*lead, h, w), dtype=g.dtype)
    for i in range(kh):
        for j in range(kw):
            out[..., i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw] += g[..., i, j]
    return out


# windows(x)[.., p, q, i, j] = x[.., p sh + i, q sw + j]; the VJP adds the windows back
windows = Primitive("windows", _windows,
                    lambda g, out, x, kernel, stride: window_add(g, size=x.shape[-2:],
                                                                 stride=stride),
                    formulas=("each window's g added back where it was taken",),
                    saves=("",), view=True)
# the adjoint of windows (a sum of shifted copies); its VJP is the window view
window_add = Primitive("window_add", _window_add,
                       lambda g, out, x, size, stride: windows(g, kernel=x.shape[-2:],
                                                               stride=stride),
                       formulas=("the windows of g",), saves=("",))


def _pad(x: np.ndarray, padding: tuple[int, int]) -> np.ndarray:
    (ph, pw) = padding
    return np.pad(x, [(0, 0)] * (x.ndim - 2) + [(ph, ph), (pw, pw)])


# zeros around the last two axes; d pad(x) = pad(dx), so the VJP crops the border off
pad = Primitive("pad", _pad,
                lambda g, out, x, padding: getitem(
                    g, index=(..., slice(padding[0], padding[0] + x.shape[-2]),
                              slice(padding[1], padding[1] + x.shape[-1]))),
                formulas=("g with the border cropped off",), saves=("",))


# ---------------------------------------------------------------------------------------
# More elementwise functions and scans (PyTorch's math surface)
# ---------------------------------------------------------------------------------------

# sin and cos are each other's derivative: d sin(x) = cos(x) dx, d cos(x) = -sin(x) dx
sin = Primitive("sin", np.sin,
                lambda g, out, x: g * cos(x),
                formulas=("g * cos(x)",), saves=("x",))
cos = Primitive("cos", np.cos,
                lambda g, out, x: -(g * sin(x)),
                formulas=("-g * sin(x)",), saves=("x",))

# d tan(x) = (1 + tan(x)^2) dx: save the output
tan = Primitive("tan", np.tan,
                lambda g, out, x: g * (1 + out * out),
                formulas=("g * (1 + out * out)",), saves=("out",))

# d asin(x) = dx / sqrt(1 - x^2) and d acos(x) = -dx / sqrt(1 - x^2), on (-1, 1)
asin = Primitive("asin", np.arcsin,
                 lambda g, out, x: g * (1 - x * x) ** -0.5,
                 formulas=("g / sqrt(1 - x * x)",), saves=("x",))
acos = Primitive("acos", np.arccos,
                 lambda g, out, x: -(g * (1 - x * x) ** -0.5),
                 formulas=("-g / sqrt(1 - x * x)",), saves=("x",))

# d atan(x) = dx / (1 + x^2)
atan = Primitive("atan", np.arctan,
                 lambda g, out, x: g / (1 + x * x),
                 formulas=("g / (1 + x * x)",), saves=("x",))

# atan2(y, x), the angle of the point (x, y): d = (x dy - y dx) / (x^2 + y^2)
atan2 = Primitive("atan2", np.arctan2,
                  lambda g, out, y, x: g * x / (x * x + y * y),
                  lambda g, out, y, x: -(g * y) / (x * x + y * y),
                  formulas=("g * x / (x * x + y * y)", "-g * y / (x * x + y * y)"),
                  saves=("y x", "y x"))

# sinh and cosh are each other's derivative
sinh = Primitive("sinh", np.sinh,
                 lambda g, out, x: g * cosh(x),
                 formulas=("g * cosh(x)",), saves=("x",))
cosh = Primitive("cosh", np.cosh,
                 lambda g, out, x: g * sinh(x),
                 formulas=("g * sinh(x)",), saves=("x",))

# log(1 + x) and exp(x) - 1, exact for tiny x (where 1 + x rounds to 1)
log1p = Primitive("log1p", np.log1p,
                  lambda g, out, x: g / (1 + x),
                  formulas=("g / (1 + x)",), saves=("x",))
expm1 = Primitive("expm1", np.expm1,
                  lambda g, out, x: g * (out + 1),
                  formulas=("g * (out + 1)",), saves=("out",))

# log2 and log10 are primitives, not log(x) / log(2), so that log2(8) is exactly 3
log2 = Primitive("log2", np.log2,
                 lambda g, out, x: g / (x * math.log(2)),
                 formulas=("g / (x * log(2))",), saves=("x",))
log10 = Primitive("log10", np.log10,
                  lambda g, out, x: g / (x * math.log(10)),
                  formulas=("g / (x * log(10))",), saves=("x",))


def _zero_vjp(g, out, x, **params):
    return g * 0


# Step functions: flat between their jumps, so their gradient is 0 (PyTorch's convention:
# 0 also at the jumps, where there is no derivative). They are primitives, not constants,
# so that a result keeps requires_grad and x.floor() sits in a graph as in PyTorch.
sign = Primitive("sign", np.sign, _zero_vjp, formulas=("0",), saves=("",))
floor = Primitive("floor", np.floor, _zero_vjp, formulas=("0",), saves=("",))
ceil = Primitive("ceil", np.ceil, _zero_vjp, formulas=("0",), saves=("",))
trunc = Primitive("trunc", np.trunc, _zero_vjp, formulas=("0",), saves=("",))
# halves round to the even neighbour, as in PyTorch and numpy
round = Primitive("round", lambda x, decimals: np.round(x, decimals), _zero_vjp,
                  formulas=("0",), saves=("",))


def _reversed(a, axis: int):
    return a[(slice(None),) * axis + (slice(None, None, -1),)]


# Running sums along `axis`: out_i = x_0 + ... + x_i. Entry x_j feeds every out_i with
# i >= j, so its gradient is g_j + ... + g_n: the cumulative sum of g taken backwards.
cumsum = Primitive("cumsum", lambda x, axis: np.cumsum(x, axis),
                   lambda g, out, x, axis: _reversed(cumsum(_reversed(g, axis), axis=axis),
                                                     axis),
                   formulas=("cumsum of g from the end",), saves=("",))


# ---------------------------------------------------------------------------------------
# Picking by class index (the negative log-likelihood)
# ---------------------------------------------------------------------------------------

def _picks(y: np.ndarray, ignore_index: int):
    """Row numbers, the class of each row (0 where ignored) and which rows count."""
    y = unwrap(y)
    kept = y != ignore_index
    return np.arange(len(y)), np.where(kept, y, 0), kept


def check_classes(name: str, y: np.ndarray, classes: int, ignore_index: int) -> None:
    """Every class index in 0..classes-1, or ignore_index; else a ValueError naming `name`."""
    bad = y[((y < 0) | (y >= classes)) & (y != ignore_index)]
    if bad.size:
        raise ValueError(f"{name}: target holds class {bad[0]}, out of range for {classes} "
                         f"classes (0 to {classes - 1})")


def _counted(kept: np.ndarray, w, dtype) -> np.ndarray:
    """What a mean divides by: the targets counted, or the sum of their weights."""
    return dtype.type(np.count_nonzero(kept) if w is None else np.add.reduce(w * kept))


def _nll(rows: np.ndarray, y: np.ndarray, weight, ignore_index: int, reduction: str,
         name: str, smoothing: float = 0.0) -> np.ndarray:
    check_classes(name, y, rows.shape[1], ignore_index)
    i, j, kept = _picks(y, ignore_index)
    w = None if weight is None else weight[j]  # each target's class weight
    picked = -rows[i, j] if w is None else -(w * rows[i, j])
    if smoothing:  # the uniform target's share: -sum_c w_c rows[n, c] / C
        spread = -(rows if weight is None else weight * rows).sum(axis=1)
        picked = (1 - smoothing) * picked + smoothing / rows.shape[1] * spread
    losses = np.where(kept, picked, 0)
    if reduction == "none":
        return losses
    total = np.add.reduce(losses)
    if reduction == "sum":
        return total
    count = _counted(kept, w, rows.dtype)  # the mean of no losses is NaN, as in PyTorch
    return total / count if count else rows.dtype.type(np.nan)


def _nll_vjp(g, out, rows, y, weight, ignore_index, reduction, name, smoothing=0.0):
    # -g w_y (1 - smoothing) at each counted row's class, and -g w_c smoothing / C at every
    # class of a counted row; divided by the count (or the weights' sum) for the mean
    i, j, kept = _picks(y, ignore_index)
    weight = None if weight is None else unwrap(weight)  # numbers: they get no gradient
    w = None if weight is None else weight[j]
    if reduction == "mean":
        g = g / (_counted(kept, w, rows.dtype) or rows.dtype.type(np.nan))
    if reduction != "none":
        g = expand(g, shape=kept.shape)
    at_class = kept if w is None else w * kept
    if not smoothing:
        return scatter_add(-g * constant_like(at_class, g), index=(i, j), shape=rows.shape)
    grad = scatter_add(-g * constant_like(at_class * (1 - smoothing), g), index=(i, j),
                       shape=rows.shape)
    each_class = np.ones(rows.shape[1]) if weight is None else weight
    spread = kept[:, None] * each_class * (smoothing / rows.shape[1])
    g_rows = expand(reshape(g, shape=(len(kept), 1)), shape=rows.shape)
    return grad - g_rows * constant_like(spread, g)


def _one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"one_hot: labels must be integers, got dtype {labels.dtype}")
    if labels.size and labels.min() < 0:
        raise ValueError(f"one_hot: labels must not be negative, got {labels.min()}")
    if labels.size and labels.max() >= num_classes:
        raise ValueError(f"one_hot: label {labels.max()} is out of range for "
                         f"num_classes={num_classes}")
    return np.eye(num_classes, dtype=np.int64)[labels]


# Integer labels as int64 rows of 0s with a 1 at each label (F.one_hot), without a gradient.
# A primitive for the same reason as the comparisons: a traced step sees it read the labels.
one_hot = Primitive("one_hot", _one_hot, None)


# nll_loss of rows of log-probabilities: -w[y_n] rows[n, y_n] for each row n (w the class
# weights, 1 without), 0 where y_n is ignore_index, then reduced ("mean" divides by the
# rows counted, or by the sum of their weights, as PyTorch). With label smoothing e, each
# row's loss is (1 - e) times that plus e / C times -sum_c w_c rows[n, c]: cross entropy
# against the target mixed with the uniform distribution, as PyTorch defines it. A
# primitive, so that the class indices are an input that numpy reads inside it (a
# compiled step replays it on the next batch's labels; see compile.py), not numbers made
# into fancy indices outside the engine. d/d rows: -g w at (n, y_n), 0 elsewhere (and the
# smoothing's share at every class). The weights get no gradient, as in PyTorch.
nll = Primitive("nll", _nll, _nll_vjp, None, None,
                formulas=("-g w at each row's class", "", ""), saves=("y weight", "", ""))
