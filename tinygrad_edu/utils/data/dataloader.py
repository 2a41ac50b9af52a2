"""DataLoader: mini-batches from a dataset, as `torch.utils.data.DataLoader`.

One pass (`for xb, yb in loader`) asks the sampler for indices, groups them into batches
of `batch_size` (the last one shorter, or dropped with `drop_last=True`), fetches each
sample with `dataset[i]` and stacks them with `collate_fn`.

Workers: tinygrad_edu loads in the main process. `num_workers > 0` is accepted, so that
PyTorch programs run unchanged, and warns once that it loads in-process; the batches are
the same as with workers (PyTorch's workers change where batches are made, not which).

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(tg.arange(10.0).reshape(5, 2), tg.arange(5))
>>> [y.tolist() for x, y in DataLoader(ds, batch_size=2)]
[[0, 1], [2, 3], [4]]
>>> len(DataLoader(ds, batch_size=2, drop_last=True))
2
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from .collate import default_collate, default_convert
from .dataset import Subset, TensorDataset
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    Seedable,
    SequentialSampler,
    numpy_generator,
)

_warned_about_workers = False


class DataLoader:
    """Iterate over `dataset` in batches. PyTorch's arguments and defaults:

    - `batch_size` (1): samples per batch; None yields single samples, not collated
    - `shuffle`: a new random order every pass (drawn from `generator`)
    - `sampler` / `batch_sampler`: your own order of indices / of lists of indices
    - `drop_last`: skip the last batch when it is shorter than `batch_size`
    - `collate_fn`: how a list of samples becomes a batch (`default_collate`)
    - `generator`: a seeded `np.random.Generator` makes the shuffled orders reproducible;
      None draws from the generator that `tg.manual_seed` seeds
    - `num_workers`, `pin_memory`, `timeout`, `worker_init_fn`, `prefetch_factor`,
      `persistent_workers`: accepted and without effect (one process, on the CPU)

    >>> import numpy as np, tinygrad_edu as tg
    >>> from tinygrad_edu.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(tg.arange(6))
    >>> run = lambda: [b.tolist() for (b,) in DataLoader(
    ...     ds, batch_size=4, shuffle=True, generator=np.random.default_rng(0))]
    >>> run() == run(), sorted(sum(run(), []))
    (True, [0, 1, 2, 3, 4, 5])
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable | None = None,
                 batch_sampler: Iterable[list[int]] | None = None, num_workers: int = 0,
                 collate_fn: Callable | None = None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable | None = None, multiprocessing_context=None,
                 generator: Seedable = None, *, prefetch_factor: int | None = None,
                 persistent_workers: bool = False):
        _check_workers(num_workers)
        numpy_generator(generator, "DataLoader")       # a wrong type fails here
        self.dataset, self.num_workers, self.generator = dataset, num_workers, generator
        self.batch_size, self.drop_last = batch_size, drop_last
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with "
                             "batch_size, shuffle, sampler, and drop_last")
        if sampler is None:
            sampler = (RandomSampler(dataset, generator=generator) if shuffle
                       else SequentialSampler(dataset))
        if batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and "
                             "is mutually exclusive with drop_last")
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        if batch_sampler is not None:
            self.batch_size, self.drop_last = getattr(batch_sampler, "batch_size", None), \
                getattr(batch_sampler, "drop_last", False)
        self.collate_fn = collate_fn or (default_collate if batch_sampler is not None
                                         else default_convert)

    def __iter__(self) -> Iterator:
        if self.batch_sampler is None:          # batch_size=None: one sample at a time
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return (self._batch(indices) for indices in self.batch_sampler)

    def _batch(self, indices: list[int]):
        rows = _tensor_rows(self.dataset, indices)
        if rows is not None and self.collate_fn is default_collate:
            # the same batch as collating the rows one by one, cut with one index per tensor
            tensors, index = rows
            return [t[index] for t in tensors]
        return self.collate_fn([self.dataset[i] for i in indices])

    def __len__(self) -> int:
        """The number of batches in one pass (of samples, with batch_size=None)."""
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)


def _tensor_rows(dataset, indices: list[int]):
    """(tensors, row indices) when the samples are rows of a TensorDataset, also through
    Subsets (random_split's parts); None for any other dataset."""
    while isinstance(dataset, Subset):
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if not isinstance(dataset, TensorDataset):
        return None
    return dataset.tensors, np.asarray(indices, dtype=np.int64)


def _check_workers(num_workers) -> None:
    global _warned_about_workers
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(f"DataLoader: num_workers option should be a non-negative integer, "
                         f"got {num_workers!r}")
    if num_workers > 0 and not _warned_about_workers:
        _warned_about_workers = True
        warnings.warn(f"DataLoader: num_workers={num_workers} is ignored: tinygrad_edu loads "
                      f"batches in the main process (the batches are the same)", stacklevel=3)
