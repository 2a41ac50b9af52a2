"""The Tensor's comparisons and logic: the operators `==`, `<`, `~`, `&`, `|`, their
names (`eq`, `lt`, ...), `equal`, `isclose`, `allclose`, `logical_*`, `any`, `all`,
`nonzero` and `unique`. Their answers are booleans or indices: no gradient.

`class Tensor` (tensor.py) inherits them; its docstring says where the rest is.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .primitive import unwrap
from .tensor_helpers import wrap


class LogicMethods:
    """Comparisons and logic of `Tensor`: no gradient."""

    __slots__ = ()  # empty, so that tensors keep only the slots of Tensor (no __dict__)

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
        (tensor([1, 2]), tensor([1, 2]))
        """
        result = np.unique(self.array, return_inverse=return_inverse,
                           return_counts=return_counts, axis=dim)
        if not (return_inverse or return_counts):
            return wrap(result)
        result = list(result)
        if return_inverse:  # numpy 1.26 flattens it, numpy 2 keeps x's shape
            result[1] = result[1].reshape(self.shape if dim is None else -1)
        return tuple(wrap(r) for r in result)
