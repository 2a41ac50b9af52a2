"""Step 3 of the article: softmax (multinomial logistic) regression on all of iris.

Read top to bottom:

1. the data: the 150 irises, 3 species, 4 measurements; a seeded 70/30 train/test split;
   each measurement standardised (mean 0, standard deviation 1) with the training rows'
   statistics;
2. the model: class probabilities softmax(X W), W of shape (features + 1, classes), and
   the categorical cross entropy -1/n sum_i sum_j Y_ij log softmax(X W)_ij;
3. the article's gradient, derived by hand: delta = X'(softmax(X W) - Y) / n, the same
   shape as in steps 1 and 2 (plain numpy: the reference);
4. gradient descent with the gradient from autodiff; accuracy and confusion matrix;
   `run` and `main`.

The article has no notebook for this step, so there is no figure of its to compare with.

    python -m models softmax_regression
    python -m models softmax_regression --seed 3 --iterations 3000
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from models.common import (
    Comparison,
    add_intercept,
    comparison_table,
    confusion_matrix,
    confusion_table,
    new_figure,
    save_figure,
    step_parser,
)
from tinygrad_edu.data import load_iris, one_hot, train_test_split

# ---------------------------------------------------------------------------------------
# 1. The data
# ---------------------------------------------------------------------------------------


@dataclass
class IrisSplit:
    X_train: np.ndarray  # (n_train, 5): ones, then the 4 standardised measurements
    X_test: np.ndarray
    y_train: np.ndarray  # class indices 0, 1, 2
    y_test: np.ndarray
    class_names: list[str]


def standardise(train: np.ndarray, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centre and scale each column by the training rows' mean and standard deviation.

    Why: the four measurements have different ranges (petal width 0.1-2.5 cm, sepal length
    4.3-7.9 cm). Dividing by one common maximum, as step 2 does for two lengths, would
    leave petal width crowded near 0, and gradient descent would crawl along it; with every
    column at mean 0 and spread 1, one learning rate suits all the coefficients. The test
    rows use the training statistics: they play the part of data not seen when fitting.

    >>> train, test = standardise(np.array([[1.0], [3.0]]), np.array([[5.0]]))
    >>> train.ravel().tolist(), test.ravel().tolist()
    ([-1.0, 1.0], [3.0])
    """
    mean, std = train.mean(axis=0), train.std(axis=0)
    return (train - mean) / std, (test - mean) / std


def load_data(seed: int = 0, test_size: float = 0.3) -> IrisSplit:
    """Iris split into train and test rows at random (`seed`), standardised, with intercept.

    >>> split = load_data(seed=0)
    >>> split.X_train.shape, split.X_test.shape, split.class_names[2]
    ((105, 5), (45, 5), 'virginica')
    """
    iris = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(iris.data, iris.target,
                                                        test_size=test_size, seed=seed)
    X_train, X_test = standardise(X_train, X_test)
    return IrisSplit(add_intercept(X_train), add_intercept(X_test), y_train, y_test,
                     list(iris.target_names))


# ---------------------------------------------------------------------------------------
# 2. The model and its cost
# ---------------------------------------------------------------------------------------


def cost(W: tg.Tensor, X: tg.Tensor, Y: tg.Tensor) -> tg.Tensor:
    """Categorical cross entropy of softmax(X W) against one-hot rows Y, averaged over rows.

    `F.cross_entropy` takes the scores X W before the softmax (it works with log-softmax,
    which never takes the log of a probability that rounded to 0).
    """
    return F.cross_entropy(X @ W, Y)


# ---------------------------------------------------------------------------------------
# 3. The article's gradient, by hand
# ---------------------------------------------------------------------------------------


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise exp(z_j) / sum_k exp(z_k) in numpy, shifted by each row's maximum so that
    exp never overflows (the shift cancels in the ratio)."""
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def delta(W: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """The article's gradient of the cost, by hand: X'(softmax(X W) - Y) / n, shape of W.
    Step 2's delta with the softmax in place of the sigmoid. The reference only.

    >>> delta(np.zeros((1, 2)), np.ones((2, 1)), np.array([[1.0, 0.0], [1.0, 0.0]])).tolist()
    [[-0.5, 0.5]]
    """
    return X.T @ (softmax(X @ W) - Y) / len(Y)


# ---------------------------------------------------------------------------------------
# 4. Gradient descent, the gradient by autodiff; evaluation
# ---------------------------------------------------------------------------------------


def gradient_descent(X: np.ndarray, Y: np.ndarray, lr: float = 1.0,
                     iterations: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """W <- W - lr * dC/dW from W = 0, with dC/dW from `tg.grad`. Returns W and the cost
    before each step. (Zeros are a fine start here: the cost is convex. A network's hidden
    units, step 4, need random starts, or they would all stay alike.)

    >>> split = load_data()
    >>> W, history = gradient_descent(split.X_train, one_hot(split.y_train), iterations=5)
    >>> W.shape, round(float(history[0]), 6) == round(float(np.log(3)), 6)
    ((5, 3), True)
    """
    X_t, Y_t = tg.Tensor(X), tg.Tensor(Y)
    W = tg.zeros(X.shape[1], Y.shape[1], dtype=tg.float64, requires_grad=True)
    history = np.empty(iterations)
    for i in range(iterations):
        loss = cost(W, X_t, Y_t)
        (grad_W,) = tg.grad(loss, W)
        history[i] = loss.item()
        with tg.no_grad():
            W = W - lr * grad_W
        W.requires_grad_()
    return W.numpy(), history


def predict(W: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The most probable class of each row (softmax keeps the order of the scores)."""
    return (X @ W).argmax(axis=1)


def evaluate(W: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Accuracy and confusion matrix (rows: true class, columns: predicted)."""
    predicted = predict(W, X)
    return float((predicted == y).mean()), confusion_matrix(y, predicted, W.shape[1])


# ---------------------------------------------------------------------------------------
# The picture, run and main
# ---------------------------------------------------------------------------------------


def plot(history: np.ndarray, confusion: np.ndarray, class_names: list[str],
         out: str | Path) -> Path:
    """Left: the training cost per iteration. Right: the test confusion matrix."""
    figure, (left, right) = new_figure(2)
    left.semilogy(np.arange(1, len(history) + 1), history)
    left.set(xlabel="iteration", ylabel="cross entropy (train)", title="gradient descent")
    right.imshow(confusion, cmap="Blues")
    for (row, column), count in np.ndenumerate(confusion):
        dark = count > confusion.max() / 2  # white digits on the dark cells
        right.text(column, row, str(count), ha="center", va="center",
                   color="white" if dark else "black")
    ticks = range(len(class_names))
    right.set(xticks=ticks, xticklabels=class_names, yticks=ticks, yticklabels=class_names,
              xlabel="predicted", ylabel="true", title="test rows")
    return save_figure(figure, out, "softmax_regression.png")


def run(out: str | Path | None = None, seed: int = 0, lr: float = 1.0,
        iterations: int = 1000, test_size: float = 0.3) -> dict:
    """Fit softmax regression on the training rows and evaluate on both. Besides "figures"
    and "pictures" (see models/common.py): "W" (5, 3), "history" (training cost per
    iteration), "train_accuracy", "test_accuracy", "confusion" (test rows), "split"."""
    split = load_data(seed, test_size)
    W, history = gradient_descent(split.X_train, one_hot(split.y_train, 3), lr, iterations)
    train_accuracy, _ = evaluate(W, split.X_train, split.y_train)
    test_accuracy, confusion = evaluate(W, split.X_test, split.y_test)
    note = "the article has no figure for step 3"
    figures = [Comparison("softmax regression train accuracy", None, train_accuracy, note),
               Comparison("softmax regression test accuracy", None, test_accuracy,
                          f"{len(split.y_test)} test rows, seed {seed}"),
               Comparison("cross entropy (train)", None, float(history[-1]),
                          f"after {iterations:,} iterations at lr {lr:g}")]
    pictures = [] if out is None else [plot(history, confusion, split.class_names, out)]
    return {"figures": figures, "pictures": pictures, "W": W, "history": history,
            "train_accuracy": train_accuracy, "test_accuracy": test_accuracy,
            "confusion": confusion, "split": split}


def main(argv: list[str] | None = None) -> int:
    parser = step_parser("softmax_regression", "Step 3: softmax regression on all of iris "
                         "(4 standardised measurements, 3 species), by gradient descent "
                         "with autodiff, on a random train/test split.")
    parser.add_argument("--lr", type=float, default=1.0, help="gradient descent learning rate")
    parser.add_argument("--iterations", type=int, default=1000,
                        help="gradient descent iterations, from W = 0")
    parser.add_argument("--test-size", type=float, default=0.3,
                        help="fraction of the rows held out for testing")
    args = parser.parse_args(argv)
    result = run(args.out, args.seed, args.lr, args.iterations, args.test_size)
    print(comparison_table(result["figures"], "Step 3: softmax regression"))
    print(f"\nconfusion matrix, test rows (rows: true species):\n"
          f"{confusion_table(result['confusion'], result['split'].class_names)}")
    for path in result["pictures"]:
        print(f"\nwrote {path}")
    return 0
