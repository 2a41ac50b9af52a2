"""Made-up data sets of the article: two spirals (step 4) and "wages by height" (step 1)."""

from __future__ import annotations

import numpy as np

from ._random import rng


def make_spirals(n: int, cycles: float = 1, noise: float = 0.0,
                 seed: int | np.random.Generator | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, like R's `mlbench.spirals(n, cycles, sd)`.

    Half of the points (chosen at random) lie on a spiral arm that turns `cycles` times
    around the origin, its radius growing from 1/3 to (2 cycles + 1)/3; the other half lie
    on the same arm turned by 180 degrees (every point negated). `noise` is the standard
    deviation of a normal offset across the arm.
    Returns X (n, 2) float64 and y (n,) int64 in {0, 1}.

    >>> import tinygrad_edu as tg
    >>> X, y = tg.data.make_spirals(300, cycles=1.5, noise=0.05, seed=0)
    >>> X.shape, y.shape, int(y.sum())
    ((300, 2), (300,), 150)
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"make_spirals: n must be an int (the number of points), got {n!r}")
    if n < 2:
        raise ValueError(f"make_spirals: n must be at least 2 (one point per arm), got {n}")
    if cycles <= 0 or noise < 0:
        raise ValueError(f"make_spirals: need cycles > 0 and noise >= 0, "
                         f"got cycles={cycles}, noise={noise}")
    gen = rng(seed, "make_spirals")
    y = np.zeros(n, dtype=np.int64)
    y[gen.choice(n, size=n // 2, replace=False)] = 1
    X = np.empty((n, 2))
    X[y == 0] = _spiral_arm(n - n // 2, cycles, noise, gen)
    X[y == 1] = -_spiral_arm(n // 2, cycles, noise, gen)
    return X, y


def _spiral_arm(m: int, cycles: float, noise: float, gen: np.random.Generator) -> np.ndarray:
    """m points evenly spaced along the arm r = (2w + 1) / 3, angle = 2 pi w, w in [0, cycles)."""
    w = np.arange(m) * (cycles / m)
    angle, radius = 2 * np.pi * w, (2 * w + 1) / 3
    points = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    # the arm's direction is d(point)/dw, proportional to `tangent`; push noise across it
    tangent = np.column_stack([np.cos(angle) - np.pi * (2 * w + 1) * np.sin(angle),
                               np.sin(angle) + np.pi * (2 * w + 1) * np.cos(angle)])
    across = np.column_stack([tangent[:, 1], -tangent[:, 0]])
    across /= np.linalg.norm(across, axis=1, keepdims=True)
    return points + noise * gen.standard_normal(m)[:, None] * across


def make_wages(n: int = 100, seed: int | np.random.Generator | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """The article's regression data ("wages explained by height"): x ~ U(-5, 5),
    y = x + N(0, 1) + 3, so least squares should find intercept near 3 and slope near 1.

    Returns x (n,) and y (n,), both float64.

    >>> import numpy as np, tinygrad_edu as tg
    >>> x, y = tg.data.make_wages(1000, seed=0)
    >>> slope, intercept = np.polyfit(x, y, 1)
    >>> bool(abs(intercept - 3) < 0.2 and abs(slope - 1) < 0.1)
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"make_wages: n must be an int (the number of points), got {n!r}")
    if n < 1:
        raise ValueError(f"make_wages: n must be at least 1, got {n}")
    gen = rng(seed, "make_wages")
    x = gen.uniform(-5, 5, size=n)
    y = x + gen.standard_normal(n) + 3
    return x, y
