"""The benchmark: W1-W5 on tinygrad_edu, eager and compiled, and on hand-written numpy,
interleaved in one process.

    python -m bench                      # all workloads, 7 rounds (about 30 s here)
    python -m bench --quick              # 3 short rounds (a few seconds)
    python -m bench --workloads W1,W3 --rounds 5 --steps 200
    OPENBLAS_NUM_THREADS=1 python -m bench   # steadier figures on a busy machine

For each workload it prints the median time per training step of each side, their ratio
(the figure to compare: absolute times move with the machine's load and BLAS threads; the
median of the rounds' ratios, with its range), the same for the step under `tg.compile`
(a replay of generated numpy code; see docs/performance.md) and the cost of its first call
(the trace and the compile), the number of primitives one tinygrad_edu step records, and
the extra time per primitive; then the per-op forward+backward overhead of
bench/overhead.py on tiny tensors.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from bench import overhead
from bench.timing import interleaved_medians
from bench.workloads import KEYS, Workload, build, check_keys

# training steps per round for each side: about half a second of tinygrad_edu on 2 cores
STEPS = {"W1": 400, "W2": 600, "W3": 40, "W4": 50, "W5": 1500}
OVERHEAD_CALLS = 2000
ROUNDS, QUICK_ROUNDS, QUICK_SHARE = 7, 3, 4  # --quick: 3 rounds of a quarter of the steps


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default=",".join(KEYS),
                        help="comma-separated, e.g. W1,W3 (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_ROUNDS} rounds of 1/{QUICK_SHARE} of the steps")
    parser.add_argument("--rounds", type=int, help=f"interleaved rounds (default {ROUNDS})")
    parser.add_argument("--steps", type=int,
                        help="training steps per round and side, for every workload "
                             "(default: per workload, " +
                             ", ".join(f"{k} {v}" for k, v in STEPS.items()) + ")")
    parser.add_argument("--synthetic", action="store_true",
                        help="random images instead of Fashion-MNIST for W1, W3, W4")
    args = parser.parse_args(argv)
    args.workloads = [k.strip().upper() for k in args.workloads.split(",") if k.strip()]
    try:
        check_keys(args.workloads)
    except ValueError as error:
        parser.error(str(error))
    if args.rounds is None:
        args.rounds = QUICK_ROUNDS if args.quick else ROUNDS
    for name in ("rounds", "steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1, got {value}")
    return args


def steps_for(key: str, args: argparse.Namespace) -> int:
    if args.steps is not None:
        return args.steps
    return max(1, STEPS[key] // QUICK_SHARE) if args.quick else STEPS[key]


# ---------------------------------------------------------------------------------------
# What the figures depend on: the BLAS, its threads, the load
# ---------------------------------------------------------------------------------------

def blas_threads() -> str:
    """The BLAS thread setting: the environment variables, and threadpoolctl's view when it
    is installed (it is not a dependency)."""
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    setting = ", ".join(f"{n}={os.environ[n]}" for n in names if n in os.environ)
    setting = setting or "no thread variable set (OpenBLAS default: one thread per core)"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return f"{setting}; threadpoolctl not installed"
    pools = [f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()
             if p.get("user_api") == "blas"]
    return f"{setting}; threadpoolctl: {', '.join(pools) or 'no BLAS found'}"


def blas_name() -> str:
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas['name']} {blas.get('version', '')}".strip()
    except (KeyError, TypeError):
        return "unknown BLAS"


def load() -> str:
    """The 1, 5 and 15 minute load averages: above the core count, timings are shaky."""
    if not hasattr(os, "getloadavg"):
        return "load average unknown"
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def revision() -> str:
    """The checkout's commit (with "+changes" when files differ from it), if git knows."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10, check=True)
        changed = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                  "--untracked-files=no"], capture_output=True, text=True,
                                 timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return "commit unknown"
    return f"commit {commit.stdout.strip()}" + (" +changes" if changed.stdout.strip() else "")


def header(args: argparse.Namespace) -> list[str]:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"tinygrad_edu benchmark, {now}, {revision()}; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        f"numpy {np.__version__} with {blas_name()}; {blas_threads()}",
        f"{load()} at the start; medians of {args.rounds} interleaved rounds per workload "
        f"(the ratio's range: its lowest and highest round)",
        "Compare the ratios, not the absolute times: those move with the machine's load and "
        "the BLAS threads.",
        "",
    ]


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------

COLUMNS = ["workload", "data", "steps/round", "numpy", "tinygrad_edu", "ratio (range)",
           "compiled", "compiled ratio (range)", "first call", "primitives/step",
           "extra per primitive"]


def microseconds(seconds: float) -> str:
    """A time in microseconds, to three or four significant figures.

    >>> microseconds(0.0123), microseconds(12.3e-6)
    ('12,300 us', '12.3 us')
    """
    us = seconds * 1e6
    return f"{us:,.0f} us" if us >= 100 else f"{us:.1f} us"


def row(cells: list) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def paired_rounds(one_round: Callable[[], dict[str, float]],
                  rounds: int) -> tuple[dict[str, float], list[float], list[dict]]:
    """Run `rounds` rounds; the median of each figure, the sorted ratios
    tinygrad_edu / numpy of each round, and the rounds' figures. Both sides ran within
    the same round, so a round's ratio is steadier than either of its times."""
    samples = [one_round() for _ in range(rounds)]
    medians = {key: statistics.median(s[key] for s in samples) for key in samples[0]}
    return medians, sorted(s["tinygrad_edu"] / s["numpy"] for s in samples), samples


def ratio_cell(ratios: list[float]) -> str:
    """The median ratio and, with several rounds, its range.

    >>> ratio_cell([1.1, 1.25, 1.5])
    '1.25x (1.10-1.50)'
    """
    median = f"{statistics.median(ratios):.2f}x"
    return median if len(ratios) == 1 else f"{median} ({ratios[0]:.2f}-{ratios[-1]:.2f})"


def measure(workload: Workload, rounds: int, steps: int) -> list:
    """Time the three sides of one workload, interleaved; the table row of its figures."""
    compiled = workload.compiled
    sides = {"numpy": workload.numpy.step, "tinygrad_edu": workload.tinygrad.step,
             "compiled": compiled.step}
    m, ratios, samples = paired_rounds(lambda: interleaved_medians(sides, 1, steps), rounds)
    compiled_ratios = sorted(s["compiled"] / s["numpy"] for s in samples)
    nodes = workload.tinygrad.nodes
    extra = (m["tinygrad_edu"] - m["numpy"]) / nodes
    first = f"{compiled.first_call * 1e3:.1f} ms"
    if compiled.fallback:  # say that the compiled row is eager, and why
        first += f" (runs eagerly: {compiled.fallback.split(' reads')[0]})"
    return [f"{workload.key}: {workload.title}", workload.data, steps,
            microseconds(m["numpy"]), microseconds(m["tinygrad_edu"]), ratio_cell(ratios),
            microseconds(m["compiled"]), ratio_cell(compiled_ratios), first,
            nodes, microseconds(extra)]


def overhead_row(rounds: int, calls: int) -> list:
    m, ratios, _ = paired_rounds(lambda: overhead.measure(1, calls), rounds)
    return ["per op, forward + backward, tiny tensors (bench/overhead.py)", "10 numbers",
            calls, microseconds(m["numpy"]), microseconds(m["tinygrad_edu"]),
            ratio_cell(ratios), "", "", "", overhead.PRIMITIVES, microseconds(m["per_op"])]


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    for line in header(args):
        print(line)
    print(row(COLUMNS))
    print(row(["---"] * len(COLUMNS)), flush=True)
    for workload in build(args.workloads, synthetic=args.synthetic):
        print(row(measure(workload, args.rounds, steps_for(workload.key, args))), flush=True)
    calls = OVERHEAD_CALLS // QUICK_SHARE if args.quick else OVERHEAD_CALLS
    print(row(overhead_row(args.rounds, calls)))
    print(f"\n{load()} at the end. 'extra per primitive' = (tinygrad_edu - numpy) / "
          f"primitives recorded per step.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
