"""The Tensor's reductions: `sum`, `mean`, `var`, `std`, `max`/`min` (with their
indices), `amax`, `argmax`, softmax and friends (`logsumexp`, `softmax`, `log_softmax`),
and the products, running sums and norms (`prod`, `cumsum`, `cumprod`, `norm`). They take
PyTorch's `dim`/`keepdim` or numpy's `axis`/`keepdims`.

Each is a primitive of `ops.py` or a composition of them. `class Tensor` (tensor.py)
inherits them; its docstring says where the rest is.
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from .tensor_helpers import MaxResult, cat, is_tensor, maximum, minimum, normalize_dim, where, wrap


class ReductionMethods:
    """Reductions, softmax, products and norms of `Tensor`."""

    __slots__ = ()  # empty, so that tensors keep only the slots of Tensor (no __dict__)

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
        if is_tensor(dim):
            return maximum(self, dim)
        return self._extremum(1, dim, keepdim, axis, keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """Like `max`: with `dim` the pair (values, indices); with a tensor, `minimum`."""
        if is_tensor(dim):
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


# ---------------------------------------------------------------------------------------
# Helpers of the reductions
# ---------------------------------------------------------------------------------------

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


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if a in axes else n for a, n in enumerate(shape))



def _root(total, p: float):
    """total ** (1 / p) of a non-negative total (a variance, a sum of |x|^p), with gradient 0
    where total is 0 (a constant slice, the norm of a zero vector), as in PyTorch, instead
    of inf * 0 = NaN: the root's branch sees 1 there, and `where` sends it no gradient.
    NaN != 0, so a NaN total still gives NaN."""
    nonzero = total != 0
    return where(nonzero, where(nonzero, total, 1) ** (1 / p), 0)
