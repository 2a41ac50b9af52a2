"""W5: the article's logistic regression, one full-batch gradient descent step.

Iris, versicolor (0) against virginica (1), on Sepal.Length and Petal.Length divided by
their common maximum, with a column of ones for the intercept; beta starts at 1, lr 5.
The numpy side is the article's update, beta <- beta - lr X'(sigmoid(X beta) - y) / n;
the tinygrad_edu side gets the same gradient by autodiff of the mean negative
log-likelihood (binary cross entropy on the logits X beta).
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .common import (
    Workload,
    copy_into,
    cross_entropy_of_sigmoid,
    iris_data,
    numpy_side,
    sigmoid,
    tinygrad_side,
)

F = tg.nn.functional
LR = 5.0
SEPAL_LENGTH, PETAL_LENGTH = 0, 2  # columns of iris
VERSICOLOR, VIRGINICA = 1, 2       # species codes


def numpy_step(params: list[np.ndarray], X: np.ndarray, y: np.ndarray, lr: float):
    """One gradient descent step; returns the mean negative log-likelihood before it."""
    (beta,) = params
    s = X @ beta
    loss = cross_entropy_of_sigmoid(s, y).mean()
    beta -= lr * (X.T @ (sigmoid(s) - y)) / np.float32(len(X))
    return loss


def article_data() -> tuple[np.ndarray, np.ndarray]:
    """X (100, 3) float32 = [1, sepal length, petal length] scaled, y (100,) float32."""
    X, species = iris_data()
    rows = (species == VERSICOLOR) | (species == VIRGINICA)
    features = X[rows][:, [SEPAL_LENGTH, PETAL_LENGTH]]
    features = features / features.max()  # the common maximum of both columns
    ones = np.ones((len(features), 1), dtype=np.float32)
    return np.hstack([ones, features]), (species[rows] == VIRGINICA).astype(np.float32)


def w5() -> Workload:
    """The article's logistic regression, one full-batch step per call."""
    X, y = article_data()
    start = np.ones(3, dtype=np.float32)
    beta = tg.zeros(3, requires_grad=True)
    copy_into([beta], [start])

    def loss_fn(X: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        return F.binary_cross_entropy_with_logits(X @ beta, y)

    return Workload("W5", f"article's logistic regression, full-batch GD step, lr {LR:g}",
                    "iris", numpy_side(numpy_step, [start], [(X, y)], lr=LR),
                    tinygrad_side(loss_fn, [beta], LR, [(X, y)]))
