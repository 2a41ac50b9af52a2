"""W3: a 784-256-10 ReLU network with a softmax read-out and categorical cross entropy,
batch 256, plain SGD: bigger matrices, so the matmuls dominate and the engine's
bookkeeping should hardly show."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

from .common import (
    Images,
    Workload,
    copy_into,
    fixed_batches,
    numpy_side,
    sgd_linear,
    softmax_cross_entropy,
    tinygrad_side,
    uniform_init,
    with_one_hot,
)

F = tg.nn.functional
LR = 0.1


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
    """One SGD step, forward and backward by hand; y holds one-hot rows."""
    W1, b1, W2, b2 = params
    z1 = x @ W1.T + b1
    a1 = np.maximum(z1, 0)
    loss, d2 = softmax_cross_entropy(a1 @ W2.T + b2, y)
    # relu passes the gradient where its input was positive (0 at exactly 0, as PyTorch)
    d1 = (d2 @ W2) * (z1 > 0)
    sgd_linear(W2, b2, d2, a1, lr)
    sgd_linear(W1, b1, d1, x, lr)
    return loss


def tinygrad_loss(model: tg.nn.Module):
    def loss_fn(x: tg.Tensor, labels: tg.Tensor) -> tg.Tensor:
        return F.cross_entropy(model(x), labels)  # class indices, as a PyTorch user writes
    return loss_fn


def w3(images: Images) -> Workload:
    """784-256-10 ReLU + softmax cross entropy on Fashion-MNIST (or synthetic), batch 256."""
    batches = fixed_batches(images.pixels, images.labels, 256)
    rng = np.random.default_rng(0)
    params = uniform_init(rng, 256, 784) + uniform_init(rng, 10, 256)
    model = tg.nn.Sequential(tg.nn.Linear(784, 256), tg.nn.ReLU(), tg.nn.Linear(256, 10))
    copy_into(model.parameters(), params)
    return Workload(
        "W3", f"784-256-10 relu MLP, softmax CE, SGD lr {LR}, batch 256", images.source,
        numpy_side(numpy_step, [p.copy() for p in params], with_one_hot(batches, 10), lr=LR),
        tinygrad_side(tinygrad_loss(model), list(model.parameters()), LR, batches))
