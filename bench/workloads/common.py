"""What the workloads share: data, initial weights, the numpy pieces, and the two sides.

A workload is one training step written twice: by hand in numpy (forward and the
backward formulas written out) and with tinygrad_edu as a user writes it (modules, a loss,
`backward()`, an optimiser). Both sides start from the same float32 weights, see the same
batches in the same order and use the same hyperparameters, so they compute the same
numbers, and the difference in time is what the engine costs.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.autograd import toposort

IMAGES = 10_000  # images kept for W1, W3, W4: enough batches to cycle through, 31 MB


# ---------------------------------------------------------------------------------------
# Data (float32, as both sides train in float32)
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Images:
    """Images for W1, W3 and W4: pixels (N, 784) float32 in [0, 1], labels (N,) int64, and
    where they came from ("Fashion-MNIST" or "synthetic")."""

    pixels: np.ndarray
    labels: np.ndarray
    source: str


def image_data(synthetic: bool = False, seed: int = 0) -> Images:
    """The first IMAGES training images of Fashion-MNIST when Debian's
    `dataset-fashion-mnist` is installed (and `synthetic` is False); otherwise random
    pixels and labels of the same shape, which cost the same to train on."""
    if not synthetic:
        try:
            pixels, labels = tg.data.load_mnist()
        except FileNotFoundError:
            pass
        else:
            return Images((pixels[:IMAGES] / np.float32(255)).astype(np.float32),
                          labels[:IMAGES], "Fashion-MNIST")
    rng = np.random.default_rng(seed)
    return Images(rng.random((IMAGES, 784), dtype=np.float32),
                  rng.integers(0, 10, IMAGES), "synthetic")


def iris_data() -> tuple[np.ndarray, np.ndarray]:
    """R's iris: measurements (150, 4) float32 in cm, species (150,) int64."""
    X, y = tg.data.load_iris()
    return X.astype(np.float32), y


def one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """One-hot rows (N, classes) in float32 (tg.data.one_hot gives float64)."""
    return tg.data.one_hot(labels, classes).astype(np.float32)


def fixed_batches(X: np.ndarray, labels: np.ndarray, batch_size: int,
                  seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The full mini-batches (x, labels) of one shuffled pass (a smaller last batch is
    dropped, so that every step does the same amount of work)."""
    pairs = tg.data.batches(X, labels, batch_size, seed=seed)
    return [(x, y) for x, y in pairs if len(x) == batch_size]


def with_one_hot(batches: list[tuple[np.ndarray, np.ndarray]],
                 classes: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The same batches (the same x arrays) with one-hot rows for the labels."""
    return [(x, one_hot(labels, classes)) for x, labels in batches]


def uniform_init(rng: np.random.Generator, *weight_shape: int) -> list[np.ndarray]:
    """[weight, bias] drawn like PyTorch's default for Linear and Conv2d: U(-k, k) with
    k = 1/sqrt(fan_in), fan_in = the product of all weight axes but the first."""
    fan_in = int(np.prod(weight_shape[1:]))
    bound = 1 / np.sqrt(fan_in)
    weight = rng.uniform(-bound, bound, weight_shape).astype(np.float32)
    bias = rng.uniform(-bound, bound, weight_shape[0]).astype(np.float32)
    return [weight, bias]


# ---------------------------------------------------------------------------------------
# Numpy pieces the baselines share. The baselines use no engine code at all.
# ---------------------------------------------------------------------------------------

def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) in the stable form exp(min(z, 0)) / (1 + exp(-|z|)): exp never
    overflows, so no RuntimeWarning for large |z| (the engine must not warn either)."""
    return np.exp(np.minimum(z, 0)) / (1 + np.exp(-np.abs(z)))


def cross_entropy_of_sigmoid(z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """-(y log a + (1 - y) log(1 - a)) with a = sigmoid(z), entry by entry, computed from z
    as log(1 + exp(z)) - y z (no overflow, and exact where a rounds to 0 or 1)."""
    return np.logaddexp(0, z) - y * z


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[np.float32, np.ndarray]:
    """Mean categorical cross entropy of softmax(z) against one-hot rows y, and its
    gradient with respect to the logits z: (softmax(z) - y) / n, the article's a - y."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    n = np.float32(len(z))
    loss = -(y * (shifted - np.log(total))).sum() / n
    return loss, (e / total - y) / n


def sgd_linear(weight: np.ndarray, bias: np.ndarray, delta: np.ndarray, a_in: np.ndarray,
               lr: float) -> None:
    """SGD on a layer z = a_in W^T + b, in place, given delta = dLoss/dz (batch, out):
    the gradients are delta^T a_in for W and the column sums of delta for b."""
    weight -= lr * (delta.T @ a_in)
    bias -= lr * delta.sum(axis=0)


# ---------------------------------------------------------------------------------------
# The two sides of a workload
# ---------------------------------------------------------------------------------------

class Side:
    """One implementation of a workload: `step()` trains on the next batch (the batches are
    cycled) and returns the loss before the update; `weights()` are its current weights as
    numpy arrays, in the same order on both sides."""

    def __init__(self, train_step: Callable, batches: Sequence[tuple],
                 weights: Callable[[], list[np.ndarray]], nodes: int | None = None):
        self.train_step, self.batches, self.weights = train_step, batches, weights
        self.nodes = nodes  # primitives recorded per step (tinygrad_edu only)
        self.steps = 0
        self.first_call: float | None = None  # a compiled side: its trace, in seconds
        self.fallback: str | None = None      # why a compiled side runs eagerly, if it does

    def step(self):
        x, y = self.batches[self.steps % len(self.batches)]
        self.steps += 1
        return self.train_step(x, y)


def numpy_side(step: Callable, params: list[np.ndarray], batches, **hyper) -> Side:
    """`step(params, x, y, **hyper)` updates the numpy arrays `params` in place."""
    return Side(lambda x, y: step(params, x, y, **hyper), batches, lambda: params)


def tinygrad_side(loss_fn: Callable, params: list[tg.Tensor], lr: float, batches) -> Side:
    """A user's training step: zero the gradients, compute `loss_fn(x, y)` on tensors of the
    batch, backward, one SGD step. Also counts the primitives one step records."""
    optimizer = tg.optim.SGD(params, lr=lr)

    def train_step(x: np.ndarray, y: np.ndarray) -> tg.Tensor:
        optimizer.zero_grad()
        loss = loss_fn(tg.Tensor(x), tg.Tensor(y))
        loss.backward()
        optimizer.step()
        return loss

    x, y = batches[0]
    nodes = graph_nodes(loss_fn(tg.Tensor(x), tg.Tensor(y)))
    return Side(train_step, batches, lambda: [p.numpy() for p in params], nodes)


def compiled_side(side: Side) -> Side:
    """`side`'s training step under `tg.compile` (give it a twin's side: the weights are
    its own). The first call, which traces and compiles, is timed; a fallback to eager
    is kept as `fallback`, not warned about."""
    step = tg.compile(side.train_step)
    compiled = Side(step, side.batches, side.weights, side.nodes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        start = time.perf_counter()
        compiled.step()
        compiled.first_call = time.perf_counter() - start
    compiled.fallback = step.eager_because
    return compiled


def graph_nodes(loss: tg.Tensor) -> int:
    """How many primitives the forward pass that made `loss` recorded."""
    return sum(t.grad_fn is not None for t in toposort([loss]))


def copy_into(params: Sequence[tg.Tensor], arrays: Sequence[np.ndarray]) -> None:
    """Give tinygrad_edu parameters the numpy side's starting values, copied into their
    own memory (each side then updates its own arrays)."""
    for p, a in zip(params, arrays, strict=True):
        if p.shape != a.shape or p.dtype != a.dtype:
            raise ValueError(f"copy_into: a {p.dtype} parameter of shape {p.shape} cannot "
                             f"take a {a.dtype} array of shape {a.shape}")
        p.numpy()[...] = a


@dataclass
class Workload:
    """A benchmark: its key ("W1"), what it trains, which data, and its two sides (and
    the tinygrad_edu side compiled, on a twin's weights, once `build` adds it)."""

    key: str
    title: str
    data: str
    numpy: Side
    tinygrad: Side
    compiled: Side | None = None
