"""Where a workload's tinygrad_edu step spends its time.

Two views of the same steps:

- per primitive: the time inside each primitive's numpy forward, split into the forward
  pass (grad mode on, recording) and the backward pass (the VJPs' own operations); what
  is left of the step is the engine's Python bookkeeping and the optimiser;
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

import tinygrad_edu as tg
from bench.run import STEPS
from bench.workloads import KEYS, Workload, build
from tinygrad_edu import ops
from tinygrad_edu.autograd import Primitive


def _timed(forward, name: str, totals: dict):
    def timed_forward(*args, **params):
        start = time.perf_counter()
        try:
            return forward(*args, **params)
        finally:
            phase = "forward" if tg.is_grad_enabled() else "backward"
            totals[name, phase][0] += 1
            totals[name, phase][1] += time.perf_counter() - start
    return timed_forward


def primitive_times(workload: Workload, steps: int) -> tuple[float, dict]:
    """(seconds per step, {(primitive, phase): [calls, seconds]}) over `steps` steps: each
    primitive's forward is wrapped with a timer while they run, then restored."""
    primitives = [p for p in vars(ops).values() if isinstance(p, Primitive)]
    totals: dict = defaultdict(lambda: [0, 0.0])
    originals = [p.forward for p in primitives]
    for p in primitives:
        p.forward = _timed(p.forward, p.name, totals)
    try:
        start = time.perf_counter()
        for _ in range(steps):
            workload.tinygrad.step()
        elapsed = time.perf_counter() - start
    finally:
        for p, forward in zip(primitives, originals, strict=True):
            p.forward = forward
    return elapsed / steps, totals


def primitive_table(workload: Workload, steps: int) -> str:
    step, totals = primitive_times(workload, steps)
    lines = [f"{'primitive':<14}{'phase':<10}{'calls/step':>11}{'us/step':>10}"]
    for (name, phase), (calls, seconds) in sorted(totals.items(), key=lambda kv: -kv[1][1]):
        lines.append(f"{name:<14}{phase:<10}{calls / steps:>11.1f}{seconds / steps * 1e6:>10.1f}")
    inside = sum(seconds for _, seconds in totals.values()) / steps
    lines.append(f"step {step * 1e6:.1f} us (timers included): {inside * 1e6:.1f} us inside "
                 f"primitives' numpy, {(step - inside) * 1e6:.1f} us elsewhere (engine "
                 f"bookkeeping, optimiser, loss checks)")
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
