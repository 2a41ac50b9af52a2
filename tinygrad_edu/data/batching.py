"""Preparing data for training: a train/test split, one-hot targets and shuffled mini-batches."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from ..nn import functional as F
from ._random import rng

Seed = int | np.random.Generator | None


def train_test_split(*arrays, test_size: float | int = 0.3, seed: Seed = None,
                     shuffle: bool = True) -> list[np.ndarray]:
    """Split arrays of equal length into random train and test rows, like scikit-learn's.

    `test_size` is a fraction in (0, 1) (the test count is rounded up, as in scikit-learn)
    or a number of rows. Returns `[a_train, a_test, b_train, b_test, ...]` in the order
    of the arrays. `seed=None` draws from the generator that `tg.manual_seed` seeds.

    >>> import tinygrad_edu as tg
    >>> X, y = tg.data.load_iris()
    >>> X_train, X_test, y_train, y_test = tg.data.train_test_split(X, y, seed=0)
    >>> X_train.shape, X_test.shape, y_test.shape
    ((105, 4), (45, 4), (45,))
    """
    if not arrays:
        raise ValueError("train_test_split: give at least one array")
    arrays = [np.asarray(a) for a in arrays]
    lengths = [len(a) if a.ndim else None for a in arrays]
    if None in lengths or len(set(lengths)) != 1:
        raise ValueError(f"train_test_split: the arrays must have the same number of rows, "
                         f"got {lengths}")
    n = lengths[0]
    n_test = _test_count(test_size, n)
    order = rng(seed, "train_test_split").permutation(n) if shuffle else np.arange(n)
    train, test = order[:n - n_test], order[n - n_test:]
    return [part for a in arrays for part in (a[train], a[test])]


def _test_count(test_size: float | int, n: int) -> int:
    if isinstance(test_size, bool) or not isinstance(test_size, (int, float, np.number)):
        raise TypeError(f"train_test_split: test_size must be a fraction or a count, "
                        f"got {test_size!r}")
    if isinstance(test_size, (float, np.floating)):
        if not 0 < test_size < 1:
            raise ValueError(f"train_test_split: a fractional test_size must lie in (0, 1), "
                             f"got {test_size}")
        n_test = math.ceil(test_size * n)
    else:
        n_test = int(test_size)
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size} of {n} rows gives "
                         f"{n_test} test and {n - n_test} training rows; both need at least one")
    return n_test


def one_hot(labels, num_classes: int | None = None) -> np.ndarray:
    """Class indices (N,) as one-hot rows (N, C) of float64: row i has a 1 in column labels[i].

    `num_classes` defaults to the largest label + 1. (PyTorch's `F.one_hot`, which this
    is built on, gives int64 tensors of any shape; these float rows are the article's `y`.)

    >>> import tinygrad_edu as tg
    >>> tg.data.one_hot([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]])
    """
    return F.one_hot(labels, -1 if num_classes is None else num_classes).numpy().astype(
        np.float64)


def batches(X, y, batch_size: int, shuffle: bool = True,
            seed: Seed = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Mini-batches (X_batch, y_batch) that cover every row once; the last may be smaller.

    With `shuffle`, each call draws a new order (the article's SGD shuffles every epoch),
    from the generator that `tg.manual_seed` seeds when `seed` is None; so seed once and
    call `batches` once per epoch. An int `seed` gives the same order on every call.

    >>> import numpy as np, tinygrad_edu as tg
    >>> X, y = np.arange(10).reshape(5, 2), np.arange(5)
    >>> [yb.tolist() for _, yb in tg.data.batches(X, y, batch_size=2, shuffle=False)]
    [[0, 1], [2, 3], [4]]
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ValueError(f"batches: X and y must have the same number of rows, "
                         f"got shapes {X.shape} and {y.shape}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batches: batch_size must be a positive integer, got {batch_size!r}")
    # draw the order now, so that errors and the random draw happen at the call
    order = rng(seed, "batches").permutation(len(X)) if shuffle else np.arange(len(X))
    return _batches(X, y, order, batch_size)


def _batches(X: np.ndarray, y: np.ndarray, order: np.ndarray,
             batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        yield X.take(rows, axis=0), y.take(rows, axis=0)  # X[rows], a microsecond sooner
