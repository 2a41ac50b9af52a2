"""The Tensor's shapes: `reshape`/`view`, `flatten`, `squeeze`, `permute`,
`transpose` and `T`, `expand`, `repeat`, `movedim`, `narrow`, `split`, `chunk`, `roll`,
`flip`. Most are views of the same memory (a reshape, a permutation, a slice); the
gradient of each goes back by the inverse change of shape.

`class Tensor` (tensor.py) inherits them; its docstring says where the rest is.
"""

from __future__ import annotations

import math

import numpy as np

from . import ops
from .tensor_helpers import broadcast_to, cat, normalize_dim, shape_args


class ShapeMethods:
    """Shapes and views of `Tensor`."""

    __slots__ = ()  # empty, so that tensors keep only the slots of Tensor (no __dict__)

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


# ---------------------------------------------------------------------------------------
# Helpers of the shape methods
# ---------------------------------------------------------------------------------------

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


def _ints(value) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)
