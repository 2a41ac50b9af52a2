"""Step 2 of the article: logistic regression, by gradient descent and by Newton's method.

Read top to bottom:

1. the data: iris, versicolor (0) against virginica (1), from Sepal.Length and
   Petal.Length divided by their common maximum (the article's scaling);
2. the model p = sigmoid(X b) and its log-likelihood sum(y s - log(1 + exp(s))), s = X b,
   written in the stable form -sum(softplus(s) - y s) (the article's log(1 + exp(s))
   overflows once s passes about 709);
3. the article's gradient of the mean negative log-likelihood, derived by hand:
   delta = X'(sigmoid(X b) - y) / n (plain numpy: the reference);
4. gradient descent as the article does it (b = 1, lr 5), the gradient by autodiff;
5. Newton's method: the Hessian from `tg.hessian` (autodiff applied twice), not from a
   formula; a summary like R's `summary(glm(..., family = binomial))`; `run` and `main`.

    python -m models logistic_regression                       # GD 10,000 it., then Newton
    python -m models logistic_regression --iterations 300000   # the article's GD (about 35 s)
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
    new_figure,
    normal_pvalue,
    save_figure,
    step_parser,
)
from tinygrad_edu.data import load_iris

# R's glm on the article's data, and what the article's gradient descent needed to match it
ARTICLE = {"(Intercept)": -39.83851, "Sepal.Length": -31.73243, "Petal.Length": 105.16992,
           "log-likelihood": -11.92523}
ARTICLE_GD_ITERATIONS = 300_000
FEATURES = ["Sepal.Length", "Petal.Length"]

# ---------------------------------------------------------------------------------------
# 1. The data
# ---------------------------------------------------------------------------------------


def load_data() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """X (100, 3): ones, Sepal.Length and Petal.Length over their common maximum; y (100,):
    1 for virginica, 0 for versicolor; the coefficient names as R prints them.

    >>> X, y, names = load_data()
    >>> X.shape, int(y.sum()), names
    ((100, 3), 50, ['(Intercept)', 'Sepal.Length', 'Petal.Length'])
    """
    iris = load_iris()
    rows = iris.target > 0  # drop setosa
    columns = [iris.feature_names.index(name) for name in FEATURES]
    lengths = iris.data[rows][:, columns]
    # one maximum for both columns keeps their ratio; it makes every input at most 1, where
    # the sigmoid is not yet flat (far from 0 its gradient vanishes)
    X = add_intercept(lengths / lengths.max())
    y = (iris.target[rows] == iris.target_names.index("virginica")).astype(np.float64)
    return X, y, ["(Intercept)", *FEATURES]


# ---------------------------------------------------------------------------------------
# 2. The model and its log-likelihood
# ---------------------------------------------------------------------------------------


def negative_log_likelihood(b: tg.Tensor, X: tg.Tensor, y: tg.Tensor,
                            reduction: str = "sum") -> tg.Tensor:
    """-sum(y s - log(1 + exp(s))) with s = X b, as sum(softplus(s) - y s): no overflow.

    That is binary cross entropy on the logits s; `reduction="mean"` divides by n.
    """
    return F.binary_cross_entropy_with_logits(X @ b, y, reduction=reduction)


def log_likelihood(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """The Bernoulli log-likelihood at b (R's logLik for a binomial glm on 0/1 data).

    >>> X, y, _ = load_data()
    >>> round(log_likelihood(np.zeros(3), X, y), 6) == round(100 * math.log(0.5), 6)
    True
    """
    with tg.no_grad():
        return -negative_log_likelihood(tg.Tensor(b), tg.Tensor(X), tg.Tensor(y)).item()


# ---------------------------------------------------------------------------------------
# 3. The article's gradient, by hand
# ---------------------------------------------------------------------------------------


def sigmoid(s: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-s)) in numpy, as (1 + tanh(s/2)) / 2: the same number, no overflow."""
    return 0.5 * (1 + np.tanh(s / 2))


def delta(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The article's gradient of the mean negative log-likelihood: X'(sigmoid(X b) - y) / n.
    The same shape as step 1's delta, with the sigmoid applied. The reference only.

    >>> delta(np.zeros(2), add_intercept([1.0, 2.0]), np.array([1.0, 0.0])).tolist()
    [0.0, 0.25]
    """
    return X.T @ (sigmoid(X @ b) - y) / len(y)


# ---------------------------------------------------------------------------------------
# 4. Gradient descent, the gradient by autodiff
# ---------------------------------------------------------------------------------------


def gradient_descent(X: np.ndarray, y: np.ndarray, lr: float = 5.0, iterations: int = 10_000,
                     start: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The article's loop: b <- b - lr * dC/db on the mean negative log-likelihood C, from
    b = `start`. Returns b and the log-likelihood before each step (iterations,).

    >>> X, y, _ = load_data()
    >>> b, history = gradient_descent(X, y, iterations=3)
    >>> history.shape, bool(history[2] > history[0])
    ((3,), True)
    """
    X_t, y_t = tg.Tensor(X), tg.Tensor(y)
    b = tg.full(X.shape[1], start, dtype=tg.float64, requires_grad=True)
    history = np.empty(iterations)
    for i in range(iterations):
        cost = negative_log_likelihood(b, X_t, y_t, reduction="mean")
        (grad_b,) = tg.grad(cost, b)
        history[i] = -cost.item() * len(y)
        with tg.no_grad():
            b = b - lr * grad_b
        b.requires_grad_()
    return b.numpy(), history


# ---------------------------------------------------------------------------------------
# 5. Newton's method, the Hessian by second-order autodiff
# ---------------------------------------------------------------------------------------


@dataclass
class NewtonResult:
    coefficients: np.ndarray
    hessian: np.ndarray  # of the negative log-likelihood at the coefficients
    iterations: int
    converged: bool
    history: np.ndarray  # the log-likelihood after each iteration


def hessian(b: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The Hessian of the negative log-likelihood at b, by `tg.hessian`: the Jacobian of the
    gradient, which autodiff records because the VJPs are themselves tensor operations.
    (By hand it would be X' diag(p (1 - p)) X; the tests check that it is.)"""
    X_t, y_t = tg.Tensor(X), tg.Tensor(y)
    return tg.hessian(lambda b: negative_log_likelihood(b, X_t, y_t), tg.Tensor(b)).numpy()


def newton(X: np.ndarray, y: np.ndarray, start: float = 0.0, max_iterations: int = 25,
           tol: float = 1e-10) -> NewtonResult:
    """Newton's method on the negative log-likelihood: b <- b - H^-1 g, with the gradient g
    and the Hessian H from autodiff, from b = `start`, until the largest step is below
    `tol` (relative to the largest coefficient). For logistic regression this is R's
    Fisher scoring (iteratively reweighted least squares). Warns if it does not converge.

    >>> X, y, _ = load_data()
    >>> result = newton(X, y)
    >>> result.converged, result.coefficients.round(5).tolist()
    (True, [-39.83851, -31.73243, 105.16992])
    """
    X_t, y_t = tg.Tensor(X), tg.Tensor(y)
    b = np.full(X.shape[1], start, dtype=np.float64)
    history = []
    for iteration in range(1, max_iterations + 1):
        b_t = tg.Tensor(b, requires_grad=True)
        (g,) = tg.grad(negative_log_likelihood(b_t, X_t, y_t), b_t)
        H = hessian(b, X, y)
        step = np.linalg.solve(H, g.numpy())  # H step = g; no inverse needed
        b = b - step
        history.append(log_likelihood(b, X, y))
        if np.abs(step).max() < tol * (1 + np.abs(b).max()):
            return NewtonResult(b, hessian(b, X, y), iteration, True, np.array(history))
    warnings.warn(f"newton: no convergence in {max_iterations} iterations (last step "
                  f"{np.abs(step).max():.1e}); the data may be separable", stacklevel=2)
    return NewtonResult(b, hessian(b, X, y), max_iterations, False, np.array(history))


@dataclass
class GlmSummary:
    """What `summary(glm(y ~ ., family = binomial))` prints."""

    names: list[str]
    estimates: np.ndarray
    std_errors: np.ndarray
    z_values: np.ndarray
    p_values: np.ndarray
    log_likelihood: float
    null_deviance: float
    n: int
    iterations: int

    @property
    def deviance(self) -> float:
        return -2 * self.log_likelihood  # on 0/1 data the saturated model's likelihood is 1

    @property
    def aic(self) -> float:
        return self.deviance + 2 * len(self.names)

    def __str__(self) -> str:
        table = coefficient_table(self.names, self.estimates, self.std_errors, self.z_values,
                                  self.p_values, "z")
        return (f"Coefficients:\n{table}\n\n"
                f"    Null deviance: {self.null_deviance:.3f}  on {self.n - 1} degrees of freedom\n"
                f"Residual deviance: {self.deviance:.3f}  on {self.n - len(self.names)} "
                f"degrees of freedom\nAIC: {self.aic:.3f}\n"
                f"log-likelihood: {self.log_likelihood:.5f}\n\n"
                f"Number of Newton iterations: {self.iterations}")


def summarize(X: np.ndarray, y: np.ndarray, names: list[str], fit: NewtonResult) -> GlmSummary:
    """Standard errors from the inverse Hessian of the negative log-likelihood (the observed
    information) at the estimates, z = estimate / se, p-values from the normal distribution."""
    covariance = np.linalg.solve(fit.hessian, np.eye(len(names)))  # the inverse, on purpose
    se = np.sqrt(np.diag(covariance))
    z = fit.coefficients / se
    mean = y.mean()  # the intercept-only model predicts the share of 1s for everyone
    null = -2 * len(y) * (mean * math.log(mean) + (1 - mean) * math.log(1 - mean))
    return GlmSummary(names, fit.coefficients, se, z, np.array([normal_pvalue(v) for v in z]),
                      log_likelihood(fit.coefficients, X, y), null, len(y), fit.iterations)


# ---------------------------------------------------------------------------------------
# The picture, run and main
# ---------------------------------------------------------------------------------------


def plot(X: np.ndarray, y: np.ndarray, b_newton: np.ndarray, b_gd: np.ndarray,
         gd_history: np.ndarray, newton_history: np.ndarray, out: str | Path) -> Path:
    """Left: the data and both decision boundaries (where X b = 0, i.e. p = 1/2): nearly
    the same line. Middle: why the coefficients still differ: p across that line, steeper
    for Newton. Right: the log-likelihood per iteration, gradient descent against Newton."""
    figure, (left, middle, right) = new_figure(3, size=(4.3, 4.0))
    fits = ((b_newton, "k", "Newton (= R's glm)"), (b_gd, "r--", f"GD, {len(gd_history):,} it."))
    for label, marker in ((0, "o"), (1, "^")):
        rows = y == label
        left.scatter(X[rows, 1], X[rows, 2], marker=marker, s=18, alpha=0.7,
                     label=["versicolor", "virginica"][label])
    sepal = np.linspace(X[:, 1].min(), X[:, 1].max(), 2)
    for b, style, label in fits:
        left.plot(sepal, -(b[0] + b[1] * sepal) / b[2], style,
                  label=f"{label}\nb = ({', '.join(f'{v:.1f}' for v in b)})")
    left.set(xlabel="Sepal.Length / max", ylabel="Petal.Length / max",
             title="decision boundary p = 1/2")
    left.legend(fontsize=7, loc="upper left")
    _plot_steepness(middle, X, y, fits)
    right.semilogx(np.arange(1, len(gd_history) + 1), gd_history, label="gradient descent")
    right.semilogx(np.arange(1, len(newton_history) + 1), newton_history, "ko-", ms=3,
                   label="Newton")
    right.axhline(ARTICLE["log-likelihood"], color="gray", ls=":", label="R's glm")
    right.set(xlabel="iteration", ylabel="log-likelihood", ylim=(-30, -10),
              title="Newton: a few steps; GD: many")
    # between Newton's steps (left) and GD's rise (right, from below): clear of both
    right.legend(loc="center", bbox_to_anchor=(0.4, 0.5), fontsize=8)
    return save_figure(figure, out, "logistic_regression.png")


def _plot_steepness(ax, X: np.ndarray, y: np.ndarray, fits) -> None:
    """p along the normal to Newton's boundary: GD's smaller coefficients give the same
    line p = 1/2 but a flatter rise, which is what the log-likelihood still gains on."""
    normal = fits[0][0][1:] / np.linalg.norm(fits[0][0][1:])
    distance = (X[:, 1:] @ normal) + fits[0][0][0] / np.linalg.norm(fits[0][0][1:])
    t = np.linspace(distance.min(), distance.max(), 200)
    points = np.column_stack([np.ones_like(t), np.outer(t, normal) -
                              fits[0][0][0] / np.linalg.norm(fits[0][0][1:]) * normal])
    for b, style, label in fits:
        ax.plot(t, sigmoid(points @ b), style, label=label)
    ax.scatter(distance, y, c=np.where(y == 1, "#ff7f0e", "#1f77b4"), s=10, alpha=0.5)
    ax.set(xlabel="distance from Newton's boundary", ylabel="p(virginica)",
           title="same line, different slopes")
    ax.legend(fontsize=8, loc="center right")


def run(out: str | Path | None = None, lr: float = 5.0, iterations: int = 10_000,
        newton_iterations: int = 25) -> dict:
    """Fit the article's data by gradient descent and by Newton. Besides "figures" and
    "pictures" (see models/common.py): "newton" (a NewtonResult), "gd" (coefficients),
    "gd_log_likelihood" and "summary" (a GlmSummary)."""
    X, y, names = load_data()
    fit = newton(X, y, max_iterations=newton_iterations)
    b_gd, gd_history = gradient_descent(X, y, lr=lr, iterations=iterations)
    gd_ll = log_likelihood(b_gd, X, y)
    summary = summarize(X, y, names, fit)
    figures = [Comparison(f"{name} (Newton)", ARTICLE[name], b, "R's glm")
               for name, b in zip(names, fit.coefficients)]
    figures += [
        Comparison("log-likelihood (Newton)", ARTICLE["log-likelihood"], summary.log_likelihood),
        Comparison("Newton iterations", None, fit.iterations, "Hessian by tg.hessian"),
        Comparison("GD iterations", ARTICLE_GD_ITERATIONS, iterations,
                   f"lr {lr:g} from b = 1; the article needed 300,000 to match glm"),
        Comparison("log-likelihood (GD)", ARTICLE["log-likelihood"], gd_ll,
                   f"after {iterations:,} iterations"),
        Comparison("max |b_gd - b_newton|", None, float(np.abs(b_gd - fit.coefficients).max()))]
    pictures = [] if out is None else [
        plot(X, y, fit.coefficients, b_gd, gd_history, fit.history, out)]
    return {"figures": figures, "pictures": pictures, "newton": fit, "gd": b_gd,
            "gd_log_likelihood": gd_ll, "summary": summary}


def main(argv: list[str] | None = None) -> int:
    parser = step_parser("logistic_regression", "Step 2: logistic regression of virginica "
                         "against versicolor on the two lengths, by gradient descent (the "
                         "article's way) and by Newton's method (Hessian by autodiff).",
                         seed=None)
    parser.add_argument("--lr", type=float, default=5.0, help="gradient descent learning rate")
    parser.add_argument("--iterations", type=int, default=10_000,
                        help="gradient descent iterations, from b = 1 (the article: 300000)")
    parser.add_argument("--newton-iterations", type=int, default=25,
                        help="most Newton iterations")
    args = parser.parse_args(argv)
    result = run(args.out, args.lr, args.iterations, args.newton_iterations)
    print(comparison_table(result["figures"], "Step 2: logistic regression"))
    print(f"\nsummary(glm(virginica ~ Sepal.Length + Petal.Length, binomial)), ours:\n"
          f"{result['summary']}")
    for path in result["pictures"]:
        print(f"\nwrote {path}")
    return 0
