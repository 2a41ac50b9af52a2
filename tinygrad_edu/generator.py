"""Random numbers: PyTorch's `Generator` and `manual_seed`, on numpy's generator.

Every random function (`rand`, `randn`, `randint`, `uniform_`, the layers' initialisation,
...) draws from the default generator that `tg.manual_seed` seeds, or from the
`generator=` it is given. numpy's generator is not PyTorch's, so a seed gives the same
numbers run after run here, but not the numbers PyTorch gives for that seed.

>>> import tinygrad_edu as tg
>>> g = tg.Generator().manual_seed(0)
>>> a = tg.rand(2, generator=g)
>>> b = tg.rand(2, generator=tg.Generator().manual_seed(0))
>>> a.tolist() == b.tolist()
True
"""

from __future__ import annotations

import numpy as np


class Generator:
    """A stream of random numbers, seeded by `manual_seed` (which returns the generator,
    so `tg.Generator().manual_seed(42)` is one expression, as in PyTorch)."""

    __slots__ = ("rng", "seed")

    def __init__(self, device=None):
        self.seed: int | None = None
        self.rng = np.random.default_rng()

    def manual_seed(self, seed: int) -> Generator:
        self.seed = int(seed)
        self.rng = np.random.default_rng(self.seed)
        return self

    def initial_seed(self) -> int | None:
        return self.seed


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (behind `rand`, `randn` and the layers' initialisation)."""
    return default_generator.manual_seed(seed)


def generator(given: Generator | None = None) -> np.random.Generator:
    """numpy's generator behind `given`, or behind the default generator."""
    return (default_generator if given is None else given).rng


def uniform(shape, dtype: np.dtype, low: float = 0.0, high: float = 1.0,
            given: Generator | None = None) -> np.ndarray:
    """Draws from U(low, high) of `dtype` (drawn in float64 for dtypes numpy cannot draw)."""
    if not low <= high:
        raise ValueError(f"uniform_: the lower bound {low} is above the upper bound {high}")
    draw = generator(given).random(shape, dtype=_drawable(dtype))
    return (low + (high - low) * draw).astype(dtype, copy=False)


def normal(shape, dtype: np.dtype, mean=0.0, std=1.0,
           given: Generator | None = None) -> np.ndarray:
    """Draws from N(mean, std^2) of `dtype`; mean and std may be arrays (broadcast)."""
    if np.any(np.asarray(std) < 0):
        raise ValueError(f"normal: std must be >= 0, got {std}")
    draw = generator(given).standard_normal(shape, dtype=_drawable(dtype))
    return (mean + std * draw).astype(dtype, copy=False)


def _drawable(dtype: np.dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
