"""Where the data functions get their random numbers."""

from __future__ import annotations

import numpy as np

from ..creation import generator


def rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A generator for `seed`; None means the one `tg.manual_seed` seeds.

    An int gives the same numbers on every call; a Generator is used as it is (so a
    caller can keep drawing from one stream).
    """
    return generator() if seed is None else np.random.default_rng(seed)
