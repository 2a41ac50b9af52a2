"""Where a workload's tinygrad_edu step spends its time.

Two views of the same steps:

- per primitive: the time inside each primitive's forward and inside its VJPs (the
  backward pass's own arithmetic); what is left of the step is the engine's Python
  bookkeeping (the Tensor layer, nodes, the walk) and the optimiser;
- cProfile's table of Python functions (numpy's C functions show up inside their callers).

    python -m bench.profile W1                 # both views
    python -m bench.profile W4 --steps 50 --top 30 --sort cumulative

(For a call tree, pyinstrument works too: `pyinstrument -m bench.profile W2`.)
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from collections import defaultdict

from bench.run import STEPS
from bench.workloads import KEYS, Workload, build
from tinygrad_edu import ops
from tinygrad_edu.primitive import Primitive


def _timed(function, key: tuple[str, str], totals: dict, depth: list[int]):
    """`function` with a timer adding to totals[key]; a call made inside another timed call
    (a VJP that calls a primitive on arrays) is counted by the outer one only."""
    def timed(*args, **params):
        if depth[0]:
            return function(*args, **params)
        depth[0] += 1
        start = time.perf_counter()
        try:
            return function(*args, **params)
        finally:
            depth[0] -= 1
            totals[key][0] += 1
            totals[key][1] += time.perf_counter() - start
    return timed


def primitive_times(workload: Workload, steps: int) -> tuple[float, dict]:
    """(seconds per step, {(primitive, phase): [calls, seconds]}) over `steps` steps: each
    primitive's forward ("forward") and each of its VJPs ("backward": the VJP's own numpy
    work) is wrapped with a timer while they run, then restored."""
    primitives = [p for p in vars(ops).values() if isinstance(p, Primitive)]
    totals: dict = defaultdict(lambda: [0, 0.0])
    depth = [0]
    originals = [(p.forward, p.vjps) for p in primitives]
    for p in primitives:
        p.forward = _timed(p.forward, (p.name, "forward"), totals, depth)
        p.vjps = tuple(v and _timed(v, (p.name, "backward"), totals, depth) for v in p.vjps)
    try:
        start = time.perf_counter()
        for _ in range(steps):
            workload.tinygrad.step()
        elapsed = time.perf_counter() - start
    finally:
        for p, (forward, vjps) in zip(primitives, originals, strict=True):
            p.forward, p.vjps = forward, vjps
    return elapsed / steps, totals


def primitive_table(workload: Workload, steps: int) -> str:
    step, totals = primitive_times(workload, steps)
    width = max([len("primitive")] + [len(name) for name, _ in totals]) + 2
    lines = [f"{'primitive':<{width}}{'phase':<10}{'calls/step':>11}{'us/step':>10}"]
    for (name, phase), (calls, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"{name:<{width}}{phase:<10}{calls / steps:>11.1f}"
                     f"{seconds / steps * 1e6:>10.1f}")
    inside = sum(seconds for _, seconds in totals.values()) / steps
    lines.append(f"step {step * 1e6:.1f} us (timers included): {inside * 1e6:.1f} us inside "
                 f"primitives (forwards and VJPs), {(step - inside) * 1e6:.1f} us elsewhere "
                 f"(engine bookkeeping, optimiser, loss checks)")
    return "\n".join(lines)


def cprofile_table(workload: Workload, steps: int, sort: str = "tottime", top: int = 20) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        workload.tinygrad.step()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def profile(key: str, steps: int, sort: str = "tottime", top: int = 20,
            synthetic: bool = False) -> str:
    """Both views of `steps` tinygrad_edu training steps of workload `key`.

    >>> "inside primitives" in profile("W5", steps=2, top=3)
    True
    """
    (workload,) = build([key], synthetic=synthetic)
    workload.tinygrad.step()  # warm up outside the measurements
    return (f"{key}: {workload.title} ({workload.data}), {steps} steps\n\n"
            f"{primitive_table(workload, steps)}\n\n"
            f"{cprofile_table(workload, steps, sort, top)}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("workload", choices=KEYS)
    parser.add_argument("--steps", type=int, help="default: the benchmark's steps per round")
    parser.add_argument("--sort", default="tottime", choices=["tottime", "cumulative", "ncalls"])
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--synthetic", action="store_true")
    args = parser.parse_args(argv)
    print(profile(args.workload, args.steps or STEPS[args.workload], args.sort, args.top,
                  args.synthetic))


if __name__ == "__main__":
    main()
