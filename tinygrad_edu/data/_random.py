"""Where the data functions get their random numbers."""

from __future__ import annotations

import numpy as np

from ..creation import generator


def rng(seed: int | np.random.Generator | None, caller: str) -> np.random.Generator:
    """A generator for `seed`; None means the one `tg.manual_seed` seeds.

    An int gives the same numbers on every call; a Generator is used as it is (so a
    caller can keep drawing from one stream). Anything else is a TypeError naming `caller`.
    """
    if seed is None:
        return generator()
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer, np.random.Generator)):
        raise TypeError(f"{caller}: seed must be an int, a numpy Generator or None, got "
                        f"{seed!r} ({type(seed).__name__})")
    return np.random.default_rng(seed)
