"""Datasets: anything with `__getitem__(i)` and `__len__()`, as in `torch.utils.data`.

A `Dataset` hands out one sample at a time; the `DataLoader` (dataloader.py) asks for the
samples of a batch and stacks them. `TensorDataset` wraps tensors that share their first
dimension; `Subset` and `random_split` take some of a dataset's samples without copying.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.utils.data import TensorDataset
>>> ds = TensorDataset(tg.arange(6.0).reshape(3, 2), tg.tensor([0, 1, 0]))
>>> x, y = ds[1]
>>> len(ds), x, y.item()
(3, tensor([2., 3.]), 1)
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence

from ...tensor import Tensor
from .sampler import Seedable, numpy_generator


class Dataset:
    """Base class of map-style datasets: subclass it and write `__getitem__` and `__len__`.

    >>> from tinygrad_edu.utils.data import Dataset
    >>> class Squares(Dataset):
    ...     def __len__(self): return 4
    ...     def __getitem__(self, i): return i * i
    >>> [Squares()[i] for i in range(4)], len(Squares() + Squares())
    ([0, 1, 4, 9], 8)
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__}: a Dataset subclass must define "
                                  f"__getitem__ (and __len__)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows: item i is `(t[i] for t in tensors)`, a tuple.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.utils.data import TensorDataset
    >>> TensorDataset(tg.zeros(5, 3), tg.ones(5))[0][0].shape
    (3,)
    """

    def __init__(self, *tensors: Tensor):
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} is a {type(t).__name__}, not a "
                                f"Tensor (wrap arrays with tg.tensor)")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: the tensors "
                             f"must share their first dimension, got shapes "
                             f"{[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order (no copy is made).

    >>> from tinygrad_edu.utils.data import Subset
    >>> s = Subset(list("abcde"), [4, 0])
    >>> len(s), s[0], s[1]
    (2, 'e', 'a')
    """

    def __init__(self, dataset, indices: Sequence[int]):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Several datasets one after the other (what `a + b` gives).

    >>> from tinygrad_edu.utils.data import ConcatDataset
    >>> ds = ConcatDataset([[1, 2], [3]])
    >>> len(ds), ds[2], ds[-1]
    (3, 3, 3)
    """

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} is out of range for "
                                 f"{len(self)} samples")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def random_split(dataset, lengths: Sequence[int | float],
                 generator: Seedable = None) -> list[Subset]:
    """Split `dataset` into non-overlapping random subsets of the given lengths.

    `lengths` are counts that add up to `len(dataset)`, or fractions that add up to 1 (each
    gets floor(fraction * n) samples, and the samples left over go one each to the
    subsets in turn, as in PyTorch). `generator` (a seeded `np.random.Generator`, or None
    for the generator that `tg.manual_seed` seeds) makes the split reproducible.

    >>> import numpy as np
    >>> from tinygrad_edu.utils.data import random_split
    >>> train, test = random_split(range(10), [0.7, 0.3], np.random.default_rng(0))
    >>> len(train), len(test), sorted(list(train) + list(test)) == list(range(10))
    (7, 3, True)
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _counts_from_fractions(lengths, n)
    if any(isinstance(k, float) or k < 0 for k in lengths) or sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {list(lengths)} must be counts that add "
                         f"up to the dataset's {n} samples, or fractions that add up to 1")
    order = numpy_generator(generator, "random_split").permutation(n).tolist()
    return [Subset(dataset, order[end - k:end])
            for end, k in zip(itertools.accumulate(lengths), lengths)]


def _counts_from_fractions(fractions: Sequence[float], n: int) -> list[int]:
    for i, f in enumerate(fractions):
        if not 0 <= f <= 1:
            raise ValueError(f"random_split: the fraction at index {i} ({f}) is not between "
                             f"0 and 1")
    counts = [math.floor(n * f) for f in fractions]
    for i in range(n - sum(counts)):   # the remainder, one each, round robin
        counts[i % len(counts)] += 1
    return counts

