"""The Tensor's sorting and picking: `argsort`, `sort`, `topk`, `gather`, `scatter`,
`index_select`, `masked_fill`, `where`, `maximum` and `minimum`. The values picked keep
their gradient: it goes back to where each came from.

`class Tensor` (tensor.py) inherits them; its docstring says where the rest is.
"""

from __future__ import annotations

import numpy as np

from . import ops
from .primitive import unwrap
from .tensor_helpers import (
    MaxResult,
    as_tensor,
    index_along,
    maximum,
    minimum,
    normalize_dim,
    where,
    wrap,
)


class PickingMethods:
    """Sorting and picking of `Tensor`."""

    __slots__ = ()  # empty, so that tensors keep only the slots of Tensor (no __dict__)

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
        tensor([0, 2, 1])
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
        return self[index_along(normalize_dim("gather", dim, self.ndim), index)]

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
        position = index_along(normalize_dim("scatter", dim, self.ndim), index)
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
