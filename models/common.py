"""What the article's steps share: the "article vs ours" table, pictures, p-values, summaries.

The contract between the steps and the tour
-------------------------------------------
Each step module (`models/linear_regression.py`, ...) has

    run(out: str | Path | None = None, **options) -> dict

which fits the step's models (fast with the defaults: seconds) and returns a dict with at least

    "figures":  list[Comparison]   the article's numbers beside ours, in the order to print
    "pictures": list[Path]         the PNG files written into the folder `out`
                                   (none when `out` is None)

plus entries of its own, listed in its docstring (fitted coefficients, summaries, ...).
Every option has a default, so `run(out=folder)` runs the step as the article does; a step
that draws random numbers takes `seed: int = 0` (logistic regression draws none).
`run` prints nothing; `main(argv)` parses the command line, calls `run` and prints
`comparison_table(result["figures"])` and the step's summary. A tour can call every
`run`, time it, and print all the comparisons in one table.

Also here: `add_intercept`, `save_figure` (atomic PNG writes), the two-sided p-values of the
t, normal and F distributions (numpy and `math` only: no scipy), R's coefficient table
(`coefficient_table`), `confusion_matrix` and `confusion_table`, and `step_parser` for
the common options.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

import tinygrad_edu as tg
from tinygrad_edu import denormals
from tinygrad_edu.files import write_atomically

DEFAULT_OUT = Path("out")  # pictures go here unless --out says otherwise (git ignores /out/)


@dataclass(frozen=True)
class Comparison:
    """One number of the article beside ours: `article` is None when the article has none.

    >>> print(comparison_table([Comparison("slope", 0.9519, 0.98692750, "our seed")]))
    figure  article       ours  note
    slope    0.9519  0.9869275  our seed
    """

    name: str
    article: float | str | None
    ours: float | str
    note: str = ""


def format_cell(value: float | str | None) -> str:
    """A figure as the tables print it: numbers to 8 significant digits, "-" for none."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.8g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def comparison_table(figures: list[Comparison], title: str | None = None) -> str:
    """The comparisons as an aligned text table, one row each (numbers to 8 digits)."""
    rows = [("figure", "article", "ours", "note")]
    rows += [(f.name, format_cell(f.article), format_cell(f.ours), f.note) for f in figures]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip()
             for a, b, c, d in rows]
    return "\n".join(([title, ""] if title else []) + lines)


def add_intercept(X: np.ndarray) -> np.ndarray:
    """X (n,) or (n, p) with a first column of ones: the intercept is one more coefficient.

    >>> add_intercept(np.array([2.0, 3.0]))
    array([[1., 2.],
           [1., 3.]])
    """
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    return np.column_stack([np.ones(len(X)), X])


# ---------------------------------------------------------------------------------------
# Pictures: matplotlib's object API (no pyplot, so no GUI backend and no global state)
# ---------------------------------------------------------------------------------------


def new_figure(columns: int = 1, size: tuple[float, float] = (5.0, 4.0)):
    """A matplotlib Figure with `columns` side-by-side axes: (figure, list of axes)."""
    figure = Figure(figsize=(size[0] * columns, size[1]), layout="constrained")
    return figure, list(np.atleast_1d(figure.subplots(1, columns)))


def save_figure(figure: Figure, folder: str | os.PathLike, name: str) -> Path:
    """Write `figure` as PNG to `folder/name` atomically (temp file + rename); return the path.

    >>> figure, (axes,) = new_figure()
    >>> _ = axes.plot([0, 1], [0, 1])
    >>> save_figure(figure, "pictures", "line.png").name
    'line.png'
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=100)
    write_atomically(folder / name, png.getvalue(), "save_figure")
    return folder / name


# ---------------------------------------------------------------------------------------
# p-values without scipy: the t and F distributions through the incomplete beta function
# ---------------------------------------------------------------------------------------

_TINY, _EPS = 1e-300, 1e-15


def incomplete_beta(a: float, b: float, x: float, one_minus_x: float | None = None) -> float:
    """The regularised incomplete beta function I_x(a, b), for a, b > 0 and 0 <= x <= 1.

    Evaluated by its continued fraction (modified Lentz method, as in Numerical Recipes
    section 6.4), which converges fast for x < (a + 1) / (a + b + 2); on the other side
    it uses I_x(a, b) = 1 - I_{1-x}(b, a). Pass `one_minus_x` when you can compute 1 - x
    without cancellation (x near 1): the result then keeps its precision there too.

    >>> round(incomplete_beta(2.0, 3.0, 0.4), 10)  # 1 - 0.6^4 - 4 * 0.4 * 0.6^3
    0.5248
    """
    y = 1 - x if one_minus_x is None else one_minus_x
    if a <= 0 or b <= 0 or not (0 <= x <= 1 and 0 <= y <= 1):
        raise ValueError(f"incomplete_beta: need a, b > 0 and 0 <= x <= 1, got {a}, {b}, {x}")
    if x == 0 or y == 0:
        return 0.0 if x == 0 else 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log(y))
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_fraction(b, a, y) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b), by Lentz's method (terms d_2m and d_2m+1)."""
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            h *= d * c
        if abs(d * c - 1) < _EPS:
            return h
    raise ArithmeticError(f"incomplete_beta: the continued fraction did not converge "
                          f"for a={a}, b={b}, x={x}")


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t distribution with `df` degrees of freedom (R's `pt`).

    Uses P(|T| > |t|) = I_x(df/2, 1/2) with x = df/(df+t^2) and 1 - x = t^2/(df+t^2),
    neither computed by a subtraction. Absolute error about 1e-14 for df up to 1,000 and
    1e-11 at df = 100,000 (checked against mpmath at 40 digits): the lgamma differences in
    `incomplete_beta` lose digits as df grows. Tiny p-values keep their relative precision.

    >>> round(t_cdf(2.228138851986, 10), 9)  # the 97.5% point of t with 10 df
    0.975
    """
    if not df > 0:
        raise ValueError(f"t_cdf: df must be positive, got {df}")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = incomplete_beta(df / 2, 0.5, df / (df + t * t), t * t / (df + t * t)) / 2
    return 1 - tail if t > 0 else tail  # tail = P(T > |t|)


def t_pvalue(t: float, df: float) -> float:
    """Two-sided p-value P(|T| >= |t|), as in R's `summary(lm(...))`: 2 * pt(-|t|, df).

    >>> round(t_pvalue(2.228138851986, 10), 9)
    0.05
    """
    return 2 * t_cdf(-abs(t), df)


def normal_pvalue(z: float) -> float:
    """Two-sided p-value P(|Z| >= |z|) of the standard normal, as in R's `summary(glm(...))`.

    >>> round(normal_pvalue(1.959963984540), 9)
    0.05
    """
    return math.erfc(abs(z) / math.sqrt(2))


def f_pvalue(f: float, df1: float, df2: float) -> float:
    """P(F >= f) for the F distribution with (df1, df2) degrees of freedom (R's `pf(f, ...,
    lower.tail = FALSE)`): I_{df2/(df2 + df1 f)}(df2/2, df1/2).

    >>> round(f_pvalue(4.964602743, 1, 10), 9)  # the 95% point of F(1, 10)
    0.05
    """
    if f <= 0:
        return 1.0
    return incomplete_beta(df2 / 2, df1 / 2, df2 / (df2 + df1 * f), df1 * f / (df2 + df1 * f))


# ---------------------------------------------------------------------------------------
# R's coefficient table
# ---------------------------------------------------------------------------------------

SIGNIFICANCE = "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"


def _stars(p: float) -> str:
    for limit, stars in ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, ".")):
        if p < limit:
            return stars
    return ""


def format_pvalue(p: float) -> str:
    """A p-value as R prints it: 3 significant digits, "<2e-16" below machine precision."""
    return "<2e-16" if p < 2.2e-16 else f"{p:.3g}"


def coefficient_table(names: list[str], estimates, std_errors, statistics, p_values,
                      statistic: str = "t") -> str:
    """R's table of coefficients: estimate, standard error, t (or z) value, p-value, stars.

    >>> print(coefficient_table(["(Intercept)"], [2.0], [0.5], [4.0], [0.00252], "t"))
                Estimate Std. Error t value Pr(>|t|)
    (Intercept)        2        0.5       4  0.00252 **
    ---
    Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1
    """
    rows = [["", "Estimate", "Std. Error", f"{statistic} value", f"Pr(>|{statistic}|)", ""]]
    for name, estimate, se, value, p in zip(names, estimates, std_errors, statistics, p_values,
                                            strict=True):
        rows.append([name, f"{estimate:.6g}", f"{se:.6g}", f"{value:.5g}", format_pvalue(p),
                     _stars(p)])
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [" ".join([row[0].ljust(widths[0])] + [row[i].rjust(widths[i]) for i in range(1, 5)]
                      + [row[5]]).rstrip() for row in rows]
    return "\n".join(lines + ["---", SIGNIFICANCE])


# ---------------------------------------------------------------------------------------
# Classification and the command line
# ---------------------------------------------------------------------------------------


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (num_classes, num_classes): row = the true class, column = the predicted one.

    >>> confusion_matrix([0, 1, 1], [0, 1, 0], 2)
    array([[1, 0],
           [1, 1]])
    """
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


def confusion_table(confusion: np.ndarray, class_names: list[str]) -> str:
    """A confusion matrix as text: one row per true class, one column per prediction.

    >>> print(confusion_table(np.array([[2, 0], [1, 3]]), ["a", "b"]))
    true \\ predicted  a  b
    a                 2  0
    b                 1  3

    Long names (Fashion-MNIST's) number the columns, so that the table stays narrow.
    """
    corner = "true \\ predicted"
    columns = class_names
    if (max(map(len, class_names)) + 2) * len(class_names) > 60:  # long names: number them
        columns = [str(i) for i in range(len(class_names))]
        class_names = [f"{i} {name}" for i, name in enumerate(class_names)]
    first = max(len(corner), *(len(name) for name in class_names))
    width = max(len(str(confusion.max())), *(len(name) for name in columns)) + 2
    lines = [corner.ljust(first) + "".join(f"{name:>{width}}" for name in columns)]
    lines += [name.ljust(first) + "".join(f"{count:>{width}}" for count in row)
              for name, row in zip(class_names, confusion, strict=True)]
    return "\n".join(lines)


def step_parser(prog: str, description: str,
                seed: int | None = 0) -> argparse.ArgumentParser:
    """An argparse parser with the steps' common options: --out, and --seed (its default
    `seed`) unless `seed` is None (a step that draws no random numbers)."""
    parser = argparse.ArgumentParser(prog=f"python -m models {prog}", description=description,
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    if seed is not None:
        parser.add_argument("--seed", type=int, default=seed,
                            help="random seed for data and splits")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the pictures (created if missing)")
    return parser


def add_training_options(parser: argparse.ArgumentParser) -> None:
    """The options of the steps that train networks (4, 5 and the tour)."""
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.add_argument("--compile", action="store_true",
                        help="train under tg.compile (same numbers, faster)")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="compute with denormal numbers (the library's default, as "
                             "PyTorch's). Unset, the run flushes them to 0: saturated "
                             "sigmoids make them, x86 CPUs compute them in slow microcode, "
                             "and no prediction changes (docs/performance.md)")


@contextlib.contextmanager
def training_options(args: argparse.Namespace) -> Iterator[None]:
    """What the options set for the whole run rather than pass to it: denormals flushed
    (tg.set_flush_denormal) unless --keep-denormals, and put back as they were after the
    run, so that a run called from Python leaves its thread as it found it."""
    before = denormals.flushing()
    if not args.keep_denormals and not tg.set_flush_denormal(True):
        print("denormal numbers cannot be flushed on this platform; they are kept")
    try:
        yield
    finally:
        tg.set_flush_denormal(before)
