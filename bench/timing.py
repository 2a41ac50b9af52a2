"""Interleaved timing: both sides run in turns, so a noisy neighbour slows both alike."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_medians(functions: dict[str, Callable[[], object]], rounds: int = 7,
                        number: int = 1000) -> dict[str, float]:
    """Median seconds per call of each function, over `rounds` rounds of `number` calls.

    The functions take turns within every round (a, b, a, b, ...), so that a change in the
    machine's load during the run affects each of them equally.
    """
    samples: dict[str, list[float]] = {name: [] for name in functions}
    for function in functions.values():  # warm caches and allocators
        function()
    for _ in range(rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            for _ in range(number):
                function()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(times) for name, times in samples.items()}
