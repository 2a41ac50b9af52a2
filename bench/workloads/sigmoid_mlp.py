"""W1 and W2: the article's network, sigmoid everywhere, its cross entropy, plain SGD.

W1 is the article's MNIST run ([784, 100, 10], batch 10, lr 3) on Fashion-MNIST; W2 its
iris run ([4, 40, 3], batch 10, lr 0.5). The cost is the article's: binary cross entropy
of each sigmoid output against the one-hot target, summed over the outputs and averaged
over the batch, so that its gradient at the output is the article's `delta = a - y`
(divided by the batch size, as in `w <- w - (lr/nmb) * nabla_w`).

Both sides compute that cost from the output layer's pre-sigmoid values z, as
log(1 + exp(z)) - y z: the same function, but in float32 a sigmoid output rounds to
exactly 1 once z passes about 17, and past that point no derivative of log(1 - a) can
give back `a - y` (a (1 - a) is 0). From z, autodiff gives sigmoid(z) - y exactly, like
the hand-written delta; from a, it would silently stop learning on saturated outputs.
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .common import (
    Images,
    Workload,
    copy_into,
    cross_entropy_of_sigmoid,
    fixed_batches,
    iris_data,
    numpy_side,
    sgd_linear,
    sigmoid,
    tinygrad_side,
    uniform_init,
    with_one_hot,
)

F = tg.nn.functional


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
    """One SGD step with the article's backprop written out; updates params in place."""
    W1, b1, W2, b2 = params
    # forward, keeping the activations that the backward pass needs
    a1 = sigmoid(x @ W1.T + b1)
    z2 = a1 @ W2.T + b2
    a2 = sigmoid(z2)
    loss = cross_entropy_of_sigmoid(z2, y).sum() / np.float32(len(x))
    # backward: delta = a - y at the output (cross entropy on a sigmoid), then
    # delta = (W' delta) * sigmoid_prime(z) with sigmoid_prime(z) = a (1 - a)
    d2 = (a2 - y) / np.float32(len(x))
    d1 = (d2 @ W2) * a1 * (1 - a1)
    sgd_linear(W2, b2, d2, a1, lr)
    sgd_linear(W1, b1, d1, x, lr)
    return loss


def tinygrad_model(sizes: tuple[int, int, int]) -> tg.nn.Module:
    inputs, hidden, outputs = sizes
    # the output layer's sigmoid is applied by the loss (see the module's docstring)
    return tg.nn.Sequential(tg.nn.Linear(inputs, hidden), tg.nn.Sigmoid(),
                            tg.nn.Linear(hidden, outputs))


def tinygrad_loss(model: tg.nn.Module):
    def loss_fn(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        # the article's cost: summed over the outputs, averaged over the batch
        logits = model(x)
        return F.binary_cross_entropy_with_logits(logits, y, reduction="sum") / len(x)
    return loss_fn


def _workload(key: str, title: str, data: str, X: np.ndarray, labels: np.ndarray,
              sizes: tuple[int, int, int], lr: float, batch_size: int = 10) -> Workload:
    # both sides compare the sigmoid outputs with one-hot rows
    batches = with_one_hot(fixed_batches(X, labels, batch_size), sizes[2])
    rng = np.random.default_rng(0)
    params = uniform_init(rng, sizes[1], sizes[0]) + uniform_init(rng, sizes[2], sizes[1])
    model = tinygrad_model(sizes)
    copy_into(model.parameters(), params)
    return Workload(key, title, data,
                    numpy_side(numpy_step, [p.copy() for p in params], batches, lr=lr),
                    tinygrad_side(tinygrad_loss(model), list(model.parameters()), lr,
                                  batches))


def w1(images: Images) -> Workload:
    """784-100-10 sigmoid network on Fashion-MNIST (or same-shaped synthetic data)."""
    return _workload("W1", "784-100-10 sigmoid MLP, binary CE, SGD lr 3, batch 10",
                     images.source, images.pixels, images.labels, (784, 100, 10), lr=3.0)


def w2() -> Workload:
    """4-40-3 sigmoid network on the 105 training rows of iris (70/30 split)."""
    X, y = iris_data()
    X_train, _, y_train, _ = tg.data.train_test_split(X, y, seed=0)
    return _workload("W2", "iris 4-40-3 sigmoid MLP, binary CE, SGD lr 0.5, batch 10",
                     "iris", X_train, y_train, (4, 40, 3), lr=0.5)
