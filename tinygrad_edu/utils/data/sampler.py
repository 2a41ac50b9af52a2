"""Samplers: the order in which a DataLoader visits a dataset's indices.

`SequentialSampler` gives 0, 1, ..., n-1; `RandomSampler` a fresh random order on every
pass; `BatchSampler` groups any sampler's indices into lists of `batch_size`.

Random numbers come from a numpy `Generator`: pass a seeded one
(`np.random.default_rng(0)`) for the same orders on every run, or None for the generator
that `tg.manual_seed` seeds. As with PyTorch's generators, one seeded generator gives a
different order on each pass (epoch) and the same sequence of orders on every run.

>>> import numpy as np
>>> from tinygrad_edu.utils.data import BatchSampler, RandomSampler, SequentialSampler
>>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
[[0, 1], [2, 3], [4]]
>>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))
[0, 1, 2, 3, 4]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sized

import numpy as np

from ...creation import generator as default_generator

Seedable = np.random.Generator | None


def numpy_generator(generator: Seedable, caller: str) -> np.random.Generator:
    """The generator to draw from: `generator` itself, or the default one for None."""
    if generator is None:
        return default_generator()
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(f"{caller}: generator must be a numpy Generator (e.g. "
                    f"np.random.default_rng(0)) or None, got {type(generator).__name__}")


def positive_int(value, name: str, caller: str) -> int:
    """`value` if it is an int >= 1, else a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{caller}: {name} should be a positive integer, got {value!r}")
    return int(value)


class Sampler:
    """Base class: an iterable of dataset indices (and usually a `__len__`)."""

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__}: a Sampler must define __iter__")


class SequentialSampler(Sampler):
    """The indices 0, 1, ..., len(data_source) - 1, in order."""

    def __init__(self, data_source: Sized):
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random order of the indices, new on every pass.

    Without replacement each index comes once per permutation (`num_samples` larger than
    the dataset chains several permutations); with `replacement=True` `num_samples`
    independent uniform draws.
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Seedable = None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got "
                            f"{replacement!r}")
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        positive_int(self.num_samples, "num_samples", "RandomSampler")
        numpy_generator(generator, "RandomSampler")    # a wrong type fails here, not later

    @property
    def num_samples(self) -> int:
        # the dataset's size is read on every pass: it may have grown since
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, rng = len(self.data_source), numpy_generator(self.generator, "RandomSampler")
        if self.replacement:
            return iter(rng.integers(0, n, size=self.num_samples).tolist())
        rounds = -(-self.num_samples // n)    # ceil: enough permutations to cover it
        order = np.concatenate([rng.permutation(n) for _ in range(rounds)])
        return iter(order[:self.num_samples].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices in a random order, new on every pass (e.g. a validation split)."""

    def __init__(self, indices: Iterable[int], generator: Seedable = None):
        self.indices, self.generator = list(indices), generator

    def __iter__(self) -> Iterator[int]:
        order = numpy_generator(self.generator, "SubsetRandomSampler").permutation(
            len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class BatchSampler(Sampler):
    """Lists of `batch_size` indices from `sampler`; the last list is shorter, or dropped
    with `drop_last=True`.

    >>> from tinygrad_edu.utils.data import BatchSampler
    >>> list(BatchSampler(range(5), batch_size=2, drop_last=True))
    [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool):
        self.sampler = sampler
        self.batch_size = positive_int(batch_size, "batch_size", "BatchSampler")
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got "
                             f"{drop_last!r}")
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
