"""The Tensor's arithmetic: its operators (`x + y`, `x ** 2`, `x @ w`), elementwise math
(`exp`, `sigmoid`, `clip`), trigonometric and hyperbolic functions, logarithms, rounding,
arithmetic by name (`x.add(y, alpha=2)`, `x.div(y, rounding_mode="floor")`) and matrix
products (`mm`, `bmm`, `mv`, `dot`, `outer`).

Each method is a primitive of `ops.py` or a composition of them; those without a gradient
say so. `class Tensor` (tensor.py) inherits them; its docstring says where the rest is.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .primitive import unwrap
from .tensor_helpers import as_tensor, binary_op, is_tensor, matmul, where, wrap


class ArithmeticMethods:
    """Operators, elementwise math and matrix products of `Tensor`."""

    __slots__ = ()  # empty, so that tensors keep only the slots of Tensor (no __dict__)

    # -- arithmetic (primitives; broadcasting inserts a visible `expand`) -------------------
    def __add__(self, other): return binary_op(ops.add, self, other)
    def __radd__(self, other): return binary_op(ops.add, other, self)
    def __sub__(self, other): return binary_op(ops.sub, self, other)
    def __rsub__(self, other): return binary_op(ops.sub, other, self)
    def __mul__(self, other): return binary_op(ops.mul, self, other)
    def __rmul__(self, other): return binary_op(ops.mul, other, self)
    def __truediv__(self, other): return binary_op(ops.div, self, other)
    def __rtruediv__(self, other): return binary_op(ops.div, other, self)
    def __mod__(self, other): return binary_op(ops.remainder, self, other)
    def __rmod__(self, other): return binary_op(ops.remainder, other, self)
    def __pow__(self, other): return binary_op(ops.pow, self, other)
    def __rpow__(self, other): return binary_op(ops.pow, other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __matmul__(self, other): return matmul(self, other)
    def __rmatmul__(self, other): return matmul(other, self)

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
        if is_tensor(min) or is_tensor(max) or self.array.dtype.kind == "f":
            return _clipped(self, min, max)
        low = -np.inf if min is None else min  # numpy < 2 wants both bounds
        high = np.inf if max is None else max
        clipped = np.clip(self.array, low, high).astype(self.dtype, copy=False)
        return where(clipped == self.array, self, clipped)

    clamp = clip

    # -- trigonometric, hyperbolic, logarithms: primitives -----------------------------------
    def sin(self): return ops.sin(self)
    def cos(self): return ops.cos(self)
    def tan(self): return ops.tan(self)
    def asin(self): return ops.asin(self)
    def acos(self): return ops.acos(self)
    def atan(self): return ops.atan(self)
    def atan2(self, other): return binary_op(ops.atan2, self, other)
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
        tensor([-4,  3])
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


# ---------------------------------------------------------------------------------------
# Helpers of the arithmetic methods
# ---------------------------------------------------------------------------------------

def _rounded(op, x, **params):
    """A rounding primitive on a float tensor; an integer tensor is already whole."""
    return op(x, **params) if x.dtype.kind in "fc" else wrap(x.array.copy())


def _with_dims(name: str, *pairs) -> list:
    """The operands as tensors, checked to have the dimensions the operation wants."""
    tensors = []
    for value, ndim in pairs:
        t = as_tensor(value)
        if t.ndim != ndim:
            raise ValueError(f"{name}: expects {ndim}-D operands, got shape {t.shape}")
        tensors.append(t)
    return tensors


def _clipped(x, low, high):
    """min(max(x, low), high) by `where`, as PyTorch defines it (where low > high, high
    wins): the gradient goes to x inside [low, high], bounds included, and to the bound
    that x crosses."""
    if low is not None:
        x = where(x < low, low, x)
    if high is not None:
        x = where(x > high, high, x)
    return x
