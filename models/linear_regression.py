"""Step 1 of the article: linear regression, by formula and by gradient descent.

Read top to bottom:

1. the closed form: solve the normal equations X'X b = X'y (with a clear error when X'X
   is singular: a column that copies another, or more variables than rows);
2. the cost C = 1/(2n) sum (y - X b)^2 and the article's gradient of it, derived by hand:
   delta = X'(X b - y) / n (plain numpy: the reference the tests compare against);
3. gradient descent on C, where the gradient comes from autodiff (`tg.grad`), not from 2;
4. a summary like R's `summary(lm(...))`; `run` and `main`.

    python -m models linear_regression                 # 100 points, seed 0
    python -m models linear_regression --n 1000 --out pictures
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from models.common import (
    Comparison,
    add_intercept,
    coefficient_table,
    comparison_table,
    f_pvalue,
    new_figure,
    save_figure,
    step_parser,
    t_pvalue,
)
from tinygrad_edu.data import make_wages

# R's lm on the article's notebook data (its own random draw, which we cannot reproduce)
ARTICLE = {"intercept": 2.9455, "slope": 0.9519}

# ---------------------------------------------------------------------------------------
# 1. The closed form
# ---------------------------------------------------------------------------------------


class SingularDesignError(np.linalg.LinAlgError):
    """X'X cannot be inverted, so least squares has no unique solution."""


NEAR_SINGULAR = 1e10  # warn above this condition number of X'X: 10 of 16 digits may be lost


def check_full_rank(X: np.ndarray, names: list[str] | None = None) -> None:
    """Raise SingularDesignError, saying why, when X has fewer than p independent columns.

    The two ways of the article: more columns than rows, or a column that is a linear
    combination of the columns before it (named, like the coefficient R's lm reports NA).
    Rank is judged by the singular values of X, as np.linalg.matrix_rank does.

    >>> x = np.array([1.0, 2.0, 4.0])
    >>> check_full_rank(add_intercept(np.column_stack([x, 2 * x])), ["(Intercept)", "x", "2x"])
    Traceback (most recent call last):
    ...
    models.linear_regression.SingularDesignError: ols: X'X (3x3) is singular: collinear \
columns: 2x is a linear combination of the columns before it ((Intercept), x)
    """
    n, p = X.shape
    names = names or [f"column {j}" for j in range(p)]
    if n < p:
        raise SingularDesignError(
            f"ols: X'X ({p}x{p}) is singular: more variables than observations ({p} columns, "
            f"with the intercept, but only {n} rows), so the coefficients are not determined")
    if np.linalg.matrix_rank(X) == p:
        return
    # the first column that adds nothing to the rank of the columns before it
    j = next(j for j in range(p) if np.linalg.matrix_rank(X[:, :j + 1]) <= j)
    cause = (f"{names[j]} is a linear combination of the columns before it "
             f"({', '.join(names[:j])})" if j else f"{names[j]} is all zeros")
    raise SingularDesignError(f"ols: X'X ({p}x{p}) is singular: collinear columns: {cause}")


def check_condition(XtX: np.ndarray) -> None:
    """Raise SingularDesignError when X'X is singular in floating point (condition number
    1/eps or more), warn when solving with it loses more than 10 of the 16 digits.

    X can have full rank while X'X does not, numerically: X'X squares X's condition number,
    and squares its entries (1e-170 squared underflows to 0).
    """
    condition = np.linalg.cond(XtX)
    if not condition < 1 / np.finfo(np.float64).eps:
        raise SingularDesignError(
            f"ols: X'X is singular in floating point (condition number {condition:.1e}): "
            f"nearly collinear columns, or columns so small or large that squaring them "
            f"under- or overflows; rescale or drop columns")
    if condition > NEAR_SINGULAR:
        warnings.warn(f"ols: X'X is nearly singular (condition number {condition:.1e}): "
                      f"some columns are nearly collinear, and solving the normal equations "
                      f"may lose about {math.log10(condition):.0f} of the 16 digits of a "
                      f"float64", stacklevel=3)


def ols(X: np.ndarray, y: np.ndarray, names: list[str] | None = None) -> np.ndarray:
    """Least squares coefficients: the solution b of the normal equations X'X b = X'y.

    `np.linalg.solve` factorises X'X; an explicit inverse would cost more and lose digits.

    >>> X = add_intercept([0.0, 1.0, 2.0])
    >>> ols(X, np.array([1.0, 3.0, 5.0])).round(12).tolist()
    [1.0, 2.0]
    """
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.float64)
    check_full_rank(X, names)
    XtX = X.T @ X
    check_condition(XtX)
    return np.linalg.solve(XtX, X.T @ y)


# ---------------------------------------------------------------------------------------
# 2. The cost and the article's gradient, by hand
# ---------------------------------------------------------------------------------------


def cost(b: tg.Tensor, X: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
    """The article's cost C = 1/(2n) sum (y - X b)^2: half the mean squared error (the 1/2
    cancels the 2 that differentiating the square brings down)."""
    return F.mse_loss(X @ b, y) / 2


def delta(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The article's gradient of C, derived by hand: X'(X b - y) / n. The reference only.

    >>> delta(np.zeros(2), add_intercept([1.0, 2.0]), np.array([1.0, 1.0])).tolist()
    [-1.0, -1.5]
    """
    residual = X @ b - y
    return X.T @ residual / len(y)


# ---------------------------------------------------------------------------------------
# 3. Gradient descent, the gradient by autodiff
# ---------------------------------------------------------------------------------------


def gradient_descent(X: np.ndarray, y: np.ndarray, lr: float = 0.1, iterations: int = 200,
                     start: float = 0.1) -> np.ndarray:
    """Minimise C from b = `start` (every coefficient); return b after each step (iterations, p).

    Each step is the article's b <- b - lr * delta, where delta = dC/db comes from
    `tg.grad`: the cost is written once (`cost`), its gradient is never written.

    >>> path = gradient_descent(add_intercept([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 5.0]),
    ...                         lr=0.3, iterations=500)
    >>> path[-1].round(6).tolist()
    [1.0, 2.0]
    """
    X_t, y_t = tg.Tensor(np.asarray(X, dtype=np.float64)), tg.Tensor(np.asarray(y, np.float64))
    b = tg.full(X.shape[1], start, dtype=tg.float64, requires_grad=True)
    path = []
    for _ in range(iterations):
        (grad_b,) = tg.grad(cost(b, X_t, y_t), b)
        with tg.no_grad():  # the step itself is not part of any graph
            b = b - lr * grad_b
        b.requires_grad_()
        path.append(b.numpy())
    return np.array(path).reshape(iterations, X.shape[1])


# ---------------------------------------------------------------------------------------
# 4. A summary like R's summary(lm(...))
# ---------------------------------------------------------------------------------------


@dataclass
class LmSummary:
    """What `summary(lm(y ~ x))` prints. Assumes the first column of X is the intercept."""

    names: list[str]
    estimates: np.ndarray
    std_errors: np.ndarray
    t_values: np.ndarray
    p_values: np.ndarray
    sigma: float  # residual standard error
    df: int  # residual degrees of freedom, n - p
    r_squared: float
    adj_r_squared: float
    f_statistic: float
    f_pvalue: float

    def __str__(self) -> str:
        p = len(self.names)
        table = coefficient_table(self.names, self.estimates, self.std_errors, self.t_values,
                                  self.p_values, "t")
        return (f"Coefficients:\n{table}\n\n"
                f"Residual standard error: {self.sigma:.4g} on {self.df} degrees of freedom\n"
                f"Multiple R-squared: {self.r_squared:.4g},  "
                f"Adjusted R-squared: {self.adj_r_squared:.4g}\n"
                f"F-statistic: {self.f_statistic:.4g} on {p - 1} and {self.df} DF,  "
                f"p-value: {self.f_pvalue:.4g}")


def summarize(X: np.ndarray, y: np.ndarray, names: list[str]) -> LmSummary:
    """Fit by `ols` and compute R's lm summary: standard errors sqrt(diag(s^2 (X'X)^-1)),
    t = estimate / se with n - p degrees of freedom, R^2 = 1 - RSS / TSS, adjusted R^2,
    and the F test of all slopes against the intercept-only model."""
    n, p = X.shape
    b = ols(X, y, names)
    residual = y - X @ b
    df = n - p
    rss, tss = residual @ residual, ((y - y.mean()) ** 2).sum()
    sigma2 = rss / df
    # the covariance s^2 (X'X)^-1 *is* an inverse: solve X'X C = s^2 I for it
    covariance = np.linalg.solve(X.T @ X, sigma2 * np.eye(p))
    se = np.sqrt(np.diag(covariance))
    t = b / se
    r2 = 1 - rss / tss
    f = (tss - rss) / (p - 1) / sigma2
    return LmSummary(names, b, se, t, np.array([t_pvalue(v, df) for v in t]), float(
        np.sqrt(sigma2)), df, float(r2), float(1 - (1 - r2) * (n - 1) / df), float(f),
        f_pvalue(f, p - 1, df))


# ---------------------------------------------------------------------------------------
# The picture, run and main
# ---------------------------------------------------------------------------------------


def plot(x: np.ndarray, y: np.ndarray, b_ols: np.ndarray, path: np.ndarray,
         out: str | Path) -> Path:
    """Left: the data and both fitted lines. Right: how far gradient descent is from the
    closed form after each iteration (log scale: a straight line is a constant rate)."""
    figure, (left, right) = new_figure(2)
    grid = np.linspace(x.min(), x.max(), 2)
    left.scatter(x, y, s=12, alpha=0.6, label="data")
    left.plot(grid, b_ols[0] + b_ols[1] * grid, "k", label="closed form (OLS)")
    left.plot(grid, path[-1, 0] + path[-1, 1] * grid, "r--", label="gradient descent")
    left.set(xlabel="height (x)", ylabel="wage (y)", title="y = x + N(0, 1) + 3")
    left.legend()
    gap = np.abs(path - b_ols).max(axis=1)
    right.semilogy(np.arange(1, len(path) + 1), gap)
    right.set(xlabel="iteration", ylabel="max |b_gd - b_ols|",
              title="gradient descent reaches the closed form")
    return save_figure(figure, out, "linear_regression.png")


def run(out: str | Path | None = None, seed: int = 0, n: int = 100, lr: float = 0.1,
        iterations: int = 200) -> dict:
    """Fit the article's wages data both ways. Besides "figures" and "pictures" (see
    models/common.py) the result has "ols" and "gd" (coefficients), "gap" (largest
    |b_gd - b_ols|) and "summary" (an LmSummary)."""
    x, y = make_wages(n, seed=seed)
    X = add_intercept(x)
    summary = summarize(X, y, ["(Intercept)", "x"])
    b_ols = summary.estimates
    path = gradient_descent(X, y, lr=lr, iterations=iterations)
    gap = float(np.abs(path[-1] - b_ols).max())
    note = f"R's lm, article's seed; ours: make_wages({n}, seed={seed})"
    figures = [Comparison("intercept (closed form)", ARTICLE["intercept"], b_ols[0], note),
               Comparison("slope (closed form)", ARTICLE["slope"], b_ols[1], note),
               Comparison(f"intercept (GD, {iterations} it.)", ARTICLE["intercept"], path[-1, 0],
                          "the article: GD reaches the closed form"),
               Comparison(f"slope (GD, {iterations} it.)", ARTICLE["slope"], path[-1, 1]),
               Comparison("max |b_gd - b_ols|", None, gap)]
    pictures = [] if out is None else [plot(x, y, b_ols, path, out)]
    return {"figures": figures, "pictures": pictures, "ols": b_ols, "gd": path[-1],
            "gap": gap, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = step_parser("linear_regression", "Step 1: least squares on the article's wages "
                         "data, by the normal equations and by gradient descent (autodiff).")
    parser.add_argument("--n", type=int, default=100, help="number of data points")
    parser.add_argument("--lr", type=float, default=0.1, help="gradient descent learning rate")
    parser.add_argument("--iterations", type=int, default=200,
                        help="gradient descent iterations (from b = 0.1)")
    args = parser.parse_args(argv)
    result = run(args.out, args.seed, args.n, args.lr, args.iterations)
    print(f"Data: make_wages(n={args.n}, seed={args.seed}): x ~ U(-5, 5), y = x + N(0, 1) + 3.\n"
          f"The article's figures are R's lm on the article's own random draw; ours come from\n"
          f"our draw, so they differ by sampling noise (both near the true 3 and 1).\n")
    print(comparison_table(result["figures"], "Step 1: linear regression"))
    print(f"\nsummary(lm(y ~ x)), ours:\n{result['summary']}")
    for path in result["pictures"]:
        print(f"\nwrote {path}")
    return 0
