"""Step 4 of the article: a neural network, as stacked logistic regressions.

A network with `sizes = [4, 40, 3]` has a hidden layer of 40 units between the 4 inputs
and the 3 outputs. Each layer computes z = a_prev W' + b (one row per observation) and
an activation of z; the hidden layers learn features, and the last layer is a logistic
(sigmoid) or softmax regression on them. Read this file top to bottom:

1. the network: `network` (N(0, 1) weights as in the article, or He-uniform for ReLU),
   `forward` and `loss` (cross entropy, plus optional L1/L2 penalties), all tensor ops;
2. the article's `backprop`, written by hand in numpy for a whole batch: the reference
   that the tests compare autodiff with (never used for training);
3. training as the article's `SGD`/`update_mini_batch`: shuffle every epoch, step by the
   learning rate times the batch-mean gradient (or another optimiser from `tg.optim`);
4. `evaluate`: accuracy and confusion matrix; the data sets and pictures; `run`, `main`.

    python -m models mlp --dataset iris       # the article's [4, 40, 3] network
    python -m models mlp --dataset spirals    # decision boundaries of 3, 4, 8, 32 ReLUs
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from models import common
from tinygrad_edu import optim
from tinygrad_edu.data.datasets import DIGIT_NAMES, FASHION_MNIST_NAMES

ACTIVATIONS = ("sigmoid", "relu")
OPTIMISERS = ("sgd", "momentum", "adam", "rmsprop", "adagrad")

# ---------------------------------------------------------------------------------------
# 1. The network
# ---------------------------------------------------------------------------------------


@dataclass
class Network:
    """Weights (out, in) and biases (out,) per layer, as in the article and PyTorch.

    `activation` is the hidden layers' function: "sigmoid" (the article: sigmoid outputs
    too, with binary cross entropy) or "relu" (its exercise: a softmax read-out).
    """

    weights: list[tg.Tensor]
    biases: list[tg.Tensor]
    activation: str = "sigmoid"

    @property
    def sizes(self) -> list[int]:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    def parameters(self) -> list[tg.Tensor]:
        return [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]


def network(sizes: list[int], activation: str = "sigmoid", init: str | None = None,
            seed: int | None = None, dtype=np.float32) -> Network:
    """A network with layer sizes `sizes` (inputs first, outputs last).

    `init="normal"` draws every weight and bias from N(0, 1), as the article does;
    `init="he"` draws weights uniformly within +-sqrt(6 / fan_in) (variance 2 / fan_in,
    which keeps ReLU activations from shrinking or growing layer by layer) and zero
    biases. The default is "normal" for sigmoid and "he" for relu.

    >>> net = network([4, 40, 3], seed=0)
    >>> net.sizes, net.weights[0].shape, net.biases[0].shape
    ([4, 40, 3], (40, 4), (40,))
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"network: activation must be one of {ACTIVATIONS}, got {activation!r}")
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"network: sizes needs at least an input and an output size, all "
                         f"positive, got {sizes}")
    init = init or ("normal" if activation == "sigmoid" else "he")
    gen = tg.creation.generator() if seed is None else np.random.default_rng(seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        if init == "normal":
            w, b = gen.standard_normal((fan_out, fan_in)), gen.standard_normal(fan_out)
        elif init == "he":
            bound = np.sqrt(6 / fan_in)
            w, b = gen.uniform(-bound, bound, (fan_out, fan_in)), np.zeros(fan_out)
        else:
            raise ValueError(f"network: init must be 'normal' or 'he', got {init!r}")
        weights.append(tg.tensor(w, dtype=dtype, requires_grad=True))
        biases.append(tg.tensor(b, dtype=dtype, requires_grad=True))
    return Network(weights, biases, activation)


def forward(net: Network, X) -> tg.Tensor:
    """The output layer's z (one row per observation), before its sigmoid or softmax:
    the loss applies that itself, in a form that cannot overflow."""
    a = X
    for W, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        z = F.linear(a, W, b)  # a @ W.T + b, as one node of the graph
        a = z.sigmoid() if net.activation == "sigmoid" else z.relu()
    return F.linear(a, net.weights[-1], net.biases[-1])


def loss(net: Network, X, Y, l1: float = 0.0, l2: float = 0.0) -> tg.Tensor:
    """The batch-mean cost for one-hot targets Y (n, classes).

    Sigmoid networks use the article's cross entropy, summed over the output units and
    averaged over the observations; ReLU networks a softmax read-out with categorical
    cross entropy. Either way the gradient at the output's z is (a - y) / n: nothing
    here says so, autodiff finds it. The penalties add l1 * sum|W| + l2/2 * sum W^2
    over the weights (not the biases), per batch.
    """
    z = forward(net, X)
    if net.activation == "sigmoid":
        cost = F.binary_cross_entropy_with_logits(z, Y, reduction="sum") / z.shape[0]
    else:
        cost = F.cross_entropy(z, Y)
    if l1:
        cost = cost + l1 * F.l1_penalty(net.weights)
    if l2:
        cost = cost + (l2 / 2) * F.l2_penalty(net.weights)
    return cost


# ---------------------------------------------------------------------------------------
# 2. The article's backprop, by hand, in numpy (the reference; never used for training)
# ---------------------------------------------------------------------------------------


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.tanh(z / 2))  # = 1 / (1 + exp(-z)), without overflow


def sigmoid_prime(z: np.ndarray) -> np.ndarray:
    return sigmoid(z) * (1 - sigmoid(z))


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def backprop(weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray,
             Y: np.ndarray, activation: str = "sigmoid", l1: float = 0.0,
             l2: float = 0.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The gradient of `loss` for the batch (X, Y), the article's way: (nabla_w, nabla_b).

    Forward, keeping every z and activation; then the output delta a - y (sigmoid with
    cross entropy, or softmax with categorical cross entropy: the same formula), and
    going back, delta = (delta W) * f'(z) with f' = sigmoid_prime or the ReLU step.
    One row per observation, so the article's per-observation sums become matrix
    products, divided by n for the batch mean.

    >>> W, b = [np.ones((3, 2)), np.ones((2, 3))], [np.zeros(3), np.zeros(2)]
    >>> nabla_w, nabla_b = backprop(W, b, np.ones((5, 2)), np.eye(2)[[0, 1, 0, 1, 0]])
    >>> [g.shape for g in nabla_w], [g.shape for g in nabla_b]
    ([(3, 2), (2, 3)], [(3,), (2,)])
    """
    f, f_prime = (sigmoid, sigmoid_prime) if activation == "sigmoid" else \
        (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype))
    read_out = sigmoid if activation == "sigmoid" else softmax
    activations, zs = [X], []
    for layer, (W, b) in enumerate(zip(weights, biases, strict=True)):
        zs.append(activations[-1] @ W.T + b)
        last = layer == len(weights) - 1
        activations.append(read_out(zs[-1]) if last else f(zs[-1]))
    n = len(X)
    delta = activations[-1] - Y                          # the article's cost_delta: a - y
    nabla_w, nabla_b = [None] * len(weights), [None] * len(weights)
    for layer in reversed(range(len(weights))):
        if layer < len(weights) - 1:
            delta = (delta @ weights[layer + 1]) * f_prime(zs[layer])
        nabla_b[layer] = delta.sum(axis=0) / n
        nabla_w[layer] = delta.T @ activations[layer] / n \
            + l1 * np.sign(weights[layer]) + l2 * weights[layer]
    return nabla_w, nabla_b


# ---------------------------------------------------------------------------------------
# 3. Training: the article's SGD and update_mini_batch
# ---------------------------------------------------------------------------------------


@dataclass
class History:
    """What `sgd` saw: the mean training loss and the validation accuracy of each epoch."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    seconds: float = 0.0


def make_optimiser(name: str, params: list[tg.Tensor], lr: float):
    """The article's plain step (sgd), or one of the alternatives it mentions."""
    makers = {"sgd": lambda: optim.SGD(params, lr=lr),
              "momentum": lambda: optim.SGD(params, lr=lr, momentum=0.9),
              "adam": lambda: optim.Adam(params, lr=lr),
              "rmsprop": lambda: optim.RMSprop(params, lr=lr),
              "adagrad": lambda: optim.Adagrad(params, lr=lr)}
    if name not in makers:
        raise ValueError(f"sgd: optimiser must be one of {OPTIMISERS}, got {name!r}")
    return makers[name]()


def training_step(net: Network, optimiser, l1: float = 0.0, l2: float = 0.0):
    """`step(xb, yb)`: one step on one mini-batch, returning the batch's loss (a tensor).
    The article sums the observations' gradients and steps by lr / n times the sum: the
    batch-mean gradient, which is what `loss` differentiates to. Reads no number in
    Python, so `tg.compile(step)` can replay it (see `sgd(compile=True)`)."""
    def step(xb: np.ndarray, yb: np.ndarray) -> tg.Tensor:
        optimiser.zero_grad()
        batch_loss = loss(net, tg.Tensor(xb), tg.Tensor(yb), l1, l2)
        batch_loss.backward()
        optimiser.step()
        return batch_loss
    return step


def update_mini_batch(net: Network, optimiser, xb: np.ndarray, yb: np.ndarray,
                      l1: float = 0.0, l2: float = 0.0) -> float:
    """One step on one mini-batch (see `training_step`); returns the batch's loss."""
    return training_step(net, optimiser, l1, l2)(xb, yb).item()


def sgd(net: Network, X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int, lr: float,
        optimiser: str = "sgd", l1: float = 0.0, l2: float = 0.0,
        validation: tuple[np.ndarray, np.ndarray] | None = None, seed: int | None = None,
        progress: bool = True, compile: bool = False) -> History:
    """Train `net` on rows X (n, inputs) with class labels y (n,), the article's way:
    `epochs` passes, each in shuffled mini-batches, one `training_step` each.
    `compile=True` runs the step under `tg.compile`: traced once per batch shape, then
    replayed as generated numpy code, with the same numbers (docs/performance.md).

    >>> X, y = tg.data.load_iris()
    >>> net = network([4, 40, 3], seed=0)
    >>> history = sgd(net, X / X.max(0), y, epochs=2, batch_size=10, lr=0.5, seed=0,
    ...               progress=False)
    >>> len(history.loss)
    2
    """
    dtype = net.weights[0].dtype
    Y = tg.data.one_hot(y, net.sizes[-1]).astype(dtype)
    step = training_step(net, make_optimiser(optimiser, net.parameters(), lr), l1, l2)
    step = tg.compile(step) if compile else step
    validate = None if validation is None else lambda: evaluate(net, *validation).accuracy
    return train_loop(lambda xb, yb: step(xb, yb).item(), np.asarray(X, dtype=dtype), Y,
                      epochs, batch_size, validate, seed, progress)


def train_loop(step: Callable[[np.ndarray, np.ndarray], float], X: np.ndarray, Y: np.ndarray,
               epochs: int, batch_size: int, validate: Callable[[], float] | None = None,
               seed: int | None = None, progress: bool = True) -> History:
    """Call `step(X_batch, Y_batch) -> loss` on shuffled mini-batches, `epochs` times over.

    Each epoch draws a new order (the article's `sample(training_data)`) from one
    generator seeded by `seed`. A progress bar on stderr counts mini-batches, so that it
    moves within an epoch on long runs, and shows the epoch, the last epoch's mean loss and,
    if `validate()` is given, the validation accuracy it returns.
    """
    gen = tg.creation.generator() if seed is None else np.random.default_rng(seed)
    history, start = History(), time.perf_counter()
    bar = tqdm(total=epochs * math.ceil(len(X) / batch_size), desc="training", unit="batch",
               disable=not progress, leave=False)
    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in tg.data.batches(X, Y, batch_size, seed=gen):
            total += step(xb, yb) * len(xb)
            bar.update()
        history.loss.append(total / len(X))
        postfix = {"epoch": f"{epoch}/{epochs}", "loss": f"{history.loss[-1]:.4f}"}
        if validate is not None:
            history.accuracy.append(validate())
            postfix["val_acc"] = f"{history.accuracy[-1]:.4f}"
        bar.set_postfix(postfix)
    bar.close()
    history.seconds = time.perf_counter() - start
    return history


# ---------------------------------------------------------------------------------------
# 4. Evaluation
# ---------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    """Accuracy and the confusion matrix: confusion[i, j] counts class i predicted as j."""

    accuracy: float
    confusion: np.ndarray


def predict(net: Network, X: np.ndarray) -> np.ndarray:
    """The most likely class of each row (no graph is recorded)."""
    with tg.no_grad():
        z = forward(net, tg.Tensor(np.asarray(X, dtype=net.weights[0].dtype)))
    return z.numpy().argmax(axis=1)


def evaluate(net: Network, X: np.ndarray, y: np.ndarray) -> Evaluation:
    """Accuracy and confusion matrix of `net` on rows X with labels y.

    >>> result = evaluate(network([2, 3, 2], seed=0), np.zeros((4, 2)), np.array([0, 1, 1, 1]))
    >>> int(result.confusion.sum()), result.confusion.shape
    (4, (2, 2))
    """
    predicted = predict(net, X)
    return Evaluation(float(np.mean(predicted == y)),
                      common.confusion_matrix(y, predicted, net.sizes[-1]))


# ---------------------------------------------------------------------------------------
# 5. The article's data sets, and pictures
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """A data set's network and training settings (the article's where it has them)."""

    sizes: list[int]
    epochs: int
    batch_size: int
    lr: float
    activation: str = "sigmoid"
    article: float | None = None  # the article's test accuracy
    note: str = ""


SETTINGS = {
    "iris": Setting([4, 40, 3], 30, 10, 0.5, article=0.96, note="70/30 split"),
    "digits": Setting([64, 100, 10], 30, 10, 3.0, article=0.97,
                      note="article: MNIST [784, 100, 10]"),
    "fashion": Setting([784, 100, 10], 30, 10, 3.0, note="Fashion-MNIST test set"),
    "spirals": Setting([2, 4, 2], 100, 10, 0.1, activation="relu", note="training points"),
}
SPIRAL_WIDTHS = {3: 0.708, 4: 0.763, 8: None, 32: None}  # hidden ReLUs: the article's accuracy


def load(dataset: str, seed: int = 0, scale: str = "standard") -> list[np.ndarray]:
    """[X_train, X_test, y_train, y_test] for one of SETTINGS, inputs scaled.

    iris: a 70/30 split; `scale="standard"` centres each column and divides it by its
    standard deviation (the training rows' statistics), "max" divides by the column's
    maximum as the article's notebook does. digits: pixels / 16, a 70/30 split. fashion:
    Debian's Fashion-MNIST, pixels / 255, its own 60,000/10,000 split. spirals: 400 points
    on two spirals; the test set is the training set (the pictures show the fit).
    """
    if dataset == "iris":
        X, y = tg.data.load_iris()
        X_train, X_test, y_train, y_test = tg.data.train_test_split(X, y, seed=seed)
        if scale == "max":
            return [X_train / X.max(0), X_test / X.max(0), y_train, y_test]
        mean, std = X_train.mean(0), X_train.std(0)
        return [(X_train - mean) / std, (X_test - mean) / std, y_train, y_test]
    if dataset == "digits":
        X, y = tg.data.load_digits()
        return tg.data.train_test_split(X / 16, y, seed=seed)
    if dataset == "fashion":
        train, test = tg.data.load_mnist(kind="train"), tg.data.load_mnist(kind="test")
        scaled = [np.divide(d.data, 255, dtype=np.float32) for d in (train, test)]
        return [scaled[0], scaled[1], train.target, test.target]
    if dataset == "spirals":
        X, y = tg.data.make_spirals(400, cycles=1, noise=0.05, seed=seed)
        return [X, X, y, y]
    raise ValueError(f"load: dataset must be one of {sorted(SETTINGS)}, got {dataset!r}")


def class_names(dataset: str) -> list[str]:
    """The names of the classes of one of SETTINGS (for legends and confusion matrices)."""
    if dataset == "iris":
        return tg.data.load_iris().target_names
    if dataset == "spirals":
        return ["spiral 0", "spiral 1"]
    return list(FASHION_MNIST_NAMES if dataset == "fashion" else DIGIT_NAMES)


def plot_boundary(net: Network, X: np.ndarray, y: np.ndarray, title: str, ax) -> None:
    """Colour the plane by the class `net` predicts there and draw the points on top, each
    class in its colour (pale: predicted; dark: the points), with a legend."""
    lo, hi = X.min(0) - 0.2, X.max(0) + 0.2
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    classes = predict(net, np.column_stack([gx.ravel(), gy.ravel()])).reshape(gx.shape)
    ax.contourf(gx, gy, classes, levels=[-0.5, 0.5, 1.5], colors=["#c6dbef", "#fdd0a2"])
    for label, colour in ((0, "#3182bd"), (1, "#e6550d")):
        ax.scatter(*X[y == label].T, c=colour, s=8, label=class_names("spirals")[label])
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    ax.set(title=title, xticks=[], yticks=[])


def plot_history(history: History, title: str, ax) -> None:
    """The mean training loss of each epoch (blue, left axis) and the validation accuracy
    (orange, right axis); ticks on whole epochs."""
    epochs = np.arange(1, len(history.loss) + 1)
    marker = "o" if len(epochs) < 3 else None  # one or two epochs: points, not a line
    ax.plot(epochs, history.loss, color="#3182bd", marker=marker)
    ax.set_title(title)
    ax.set_xlabel("epoch")
    ax.set_xlim(0.5, len(epochs) + 0.5)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    ax.set_ylabel("training loss", color="#3182bd")
    if history.accuracy:
        right = ax.twinx()
        right.plot(epochs, history.accuracy, color="#e6550d", marker=marker)
        right.set_ylabel("validation accuracy", color="#e6550d")
        right.set_ylim(0, 1)


# ---------------------------------------------------------------------------------------
# 6. The step: run (for the tour) and main (python -m models mlp)
# ---------------------------------------------------------------------------------------


def _article_figure(dataset: str, sizes: list[int], activation: str) -> float | None:
    setting = SETTINGS[dataset]
    if dataset == "spirals":
        return SPIRAL_WIDTHS.get(sizes[1]) if len(sizes) == 3 and activation == "relu" else None
    return setting.article if sizes == setting.sizes and activation == "sigmoid" else None


def run(out: str | Path | None = None, seed: int = 0, dataset: str = "iris",
        sizes: list[int] | None = None, activation: str | None = None, init: str | None = None,
        scale: str = "standard", progress: bool = False, **training) -> dict:
    """Train the article's network on `dataset` (see `load`); return the step's results.

    Unset options take SETTINGS[dataset]; `training` takes `sgd`'s epochs, batch_size,
    lr, optimiser, l1 and l2. On spirals without `sizes` it trains one [2, h, 2] ReLU
    network per h in 3, 4, 8, 32 and draws their decision boundaries side by side.
    Returns "figures" (test accuracies beside the article's), "pictures" (PNG files in
    `out`: the boundaries, or the loss and validation accuracy per epoch) and "results":
    one dict per network with its "network", "history" and "evaluation".
    """
    setting = SETTINGS[dataset]
    training = {"epochs": setting.epochs, "batch_size": setting.batch_size, "lr": setting.lr,
                **{key: value for key, value in training.items() if value is not None}}
    activation = activation or setting.activation
    X_train, X_test, y_train, y_test = load(dataset, seed, scale)
    if dataset == "spirals" and sizes is None:
        all_sizes = [[2, width, 2] for width in SPIRAL_WIDTHS]
    else:
        all_sizes = [sizes or setting.sizes]
    figures, results = [], []
    for layer_sizes in all_sizes:
        net = network(layer_sizes, activation, init, seed=seed)
        history = sgd(net, X_train, y_train, validation=(X_test, y_test), seed=seed,
                      progress=progress, **training)
        evaluation = evaluate(net, X_test, y_test)
        figures.append(common.Comparison(f"mlp {dataset} {layer_sizes} {activation} accuracy",
                                         _article_figure(dataset, layer_sizes, activation),
                                         evaluation.accuracy, setting.note))
        results.append({"network": net, "history": history, "evaluation": evaluation})
    pictures = [] if out is None else [_picture(dataset, results, X_test, y_test, out)]
    return {"figures": figures, "pictures": pictures, "results": results}


def _picture(dataset: str, results: list[dict], X: np.ndarray, y: np.ndarray,
             out: str | Path) -> Path:
    """Decision boundaries for the spirals; loss and accuracy per epoch otherwise."""
    size = (3.4, 3.6) if dataset == "spirals" else (5.0, 3.6)
    figure, axes = common.new_figure(len(results), size=size)
    for result, ax in zip(results, axes, strict=True):
        net, accuracy = result["network"], result["evaluation"].accuracy
        if dataset == "spirals":  # the spirals' test set is the training set (see `load`)
            plot_boundary(net, X, y, f"{net.sizes[1]} hidden ReLUs\n{accuracy:.1%} of the "
                          f"training points", ax)
        else:
            plot_history(result["history"], f"{dataset} {net.sizes}: {accuracy:.1%}", ax)
    name = "spiral-boundaries.png" if dataset == "spirals" else f"mlp-{dataset}-training.png"
    return common.save_figure(figure, out, name)


def main(argv: list[str] | None = None) -> int:
    parser = common.step_parser("mlp", "Step 4: the article's neural network, trained by "
                                "mini-batch SGD. Unset options take the data set's settings: "
                                + "; ".join(f"{name} {s.sizes}, {s.activation}, {s.epochs} "
                                            f"epochs, batch {s.batch_size}, lr {s.lr}"
                                            for name, s in SETTINGS.items())
                                + " (spirals without --sizes: [2, h, 2] for h = 3, 4, 8, 32)")
    parser.add_argument("--dataset", choices=sorted(SETTINGS), default="iris")
    parser.add_argument("--sizes", type=int, nargs="+", help="layer sizes, e.g. 4 40 3")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--optimiser", choices=OPTIMISERS, default="sgd")
    parser.add_argument("--activation", choices=ACTIVATIONS)
    parser.add_argument("--init", choices=("normal", "he"),
                        help="N(0, 1) as the article, or He-uniform; unset: by activation")
    parser.add_argument("--l1", type=float, default=0.0, help="L1 penalty on the weights")
    parser.add_argument("--l2", type=float, default=0.0, help="L2 penalty on the weights")
    parser.add_argument("--scale", choices=("standard", "max"), default="standard",
                        help="iris inputs: standardised, or divided by their maximum")
    common.add_training_options(parser)
    args = parser.parse_args(argv)
    with common.training_options(args):
        result = run(args.out, args.seed, args.dataset, args.sizes, args.activation,
                     args.init, args.scale, progress=not args.no_progress,
                     epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                     optimiser=args.optimiser, l1=args.l1, l2=args.l2, compile=args.compile)
    print(common.comparison_table(result["figures"], title="Step 4: a neural network"))
    rows = "training points" if args.dataset == "spirals" else "test rows"  # see `load`
    for item in result["results"]:
        print(f"\n{item['network'].sizes}: {len(item['history'].loss)} epochs in "
              f"{item['history'].seconds:.1f} s; confusion matrix of the {rows}:\n"
              + common.confusion_table(item["evaluation"].confusion, class_names(args.dataset)))
    print("\npictures: " + ", ".join(str(p) for p in result["pictures"]))
    return 0
