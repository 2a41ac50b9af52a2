"""Per-op overhead: forward + backward of ((a * b + c).sigmoid()).sum() on 10 numbers.

The same arithmetic is done in plain numpy with the gradients written by hand; the
difference, divided by the number of primitives (mul, add, sigmoid, sum), is what the
engine costs per operation for recording the graph and walking it back.

    python -m bench.overhead [--rounds 7] [--number 2000]
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from bench.timing import interleaved_medians
from bench.workloads.common import sigmoid

PRIMITIVES = 4  # mul, add, sigmoid, sum


def make_inputs(size: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(size).astype(np.float32) for _ in range(3)]


def numpy_step(a, b, c):
    """Forward and hand-written backward: d sum(s(ab + c)) = s(1 - s) times (b, a, 1).
    The sigmoid is the stable form both sides use (see bench/workloads/common.py)."""
    z = a * b + c
    s = sigmoid(z)
    loss = s.sum()
    dz = s * (1 - s)
    return loss, dz * b, dz * a, dz


def engine_step(a, b, c):
    """The same with tinygrad_edu: forward, then backward into a.grad, b.grad, c.grad."""
    a.grad = b.grad = c.grad = None
    loss = ((a * b + c).sigmoid()).sum()
    loss.backward()
    return loss


def measure(rounds: int = 7, number: int = 2000) -> dict[str, float]:
    arrays = make_inputs()
    tensors = [tg.Tensor(x, requires_grad=True) for x in arrays]
    medians = interleaved_medians({
        "numpy": lambda: numpy_step(*arrays),
        "tinygrad_edu": lambda: engine_step(*tensors),
    }, rounds, number)
    medians["per_op"] = (medians["tinygrad_edu"] - medians["numpy"]) / PRIMITIVES
    return medians


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=2000)
    args = parser.parse_args(argv)
    m = measure(args.rounds, args.number)
    print(f"forward+backward of ((a*b + c).sigmoid()).sum(), 10 float32 numbers, "
          f"medians of {args.rounds} interleaved rounds")
    print(f"  numpy, hand-written gradients: {m['numpy'] * 1e6:8.1f} us")
    print(f"  tinygrad_edu:                  {m['tinygrad_edu'] * 1e6:8.1f} us "
          f"({m['tinygrad_edu'] / m['numpy']:.1f}x numpy)")
    print(f"  overhead per primitive:        {m['per_op'] * 1e6:8.1f} us "
          f"({PRIMITIVES} primitives)")


if __name__ == "__main__":
    main()
