"""W4: a small convolutional network, conv 8x5x5 -> relu -> maxpool 2 -> linear 10, on
batches of 32 single-channel 28x28 images, softmax cross entropy, plain SGD.

The numpy baseline is the usual "im2col" convolution: every 5x5 window of every image
becomes one column of a matrix (sliding_window_view, then one copy), and the convolution
is the filters times that matrix; its weight gradient is the output gradient times the
same matrix. No gradient is needed for the images, so neither side computes one.

Both sides multiply the same matrices in the same order, so their float32 convolutions
agree to the last bit; that matters for the pool, whose gradient goes to the maximum of
each window: two sums that round differently could pick different maxima.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

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
FILTERS, KERNEL, POOL = 8, 5, 2
FEATURES = FILTERS * ((28 - KERNEL + 1) // POOL) ** 2  # 8 pooled maps of 12x12 = 1152


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float):
    """One SGD step by hand; x is (N, 1, H, W), y one-hot rows."""
    K, c, W, b = params            # filters (8, 1, 5, 5), their biases, linear (10, 1152), (10,)
    n, k = len(x), K.shape[-1]
    oh, ow = x.shape[2] - k + 1, x.shape[3] - k + 1
    # im2col as in Caffe: one row per filter entry (c, i, j), one column per output pixel
    # (n, p, q); this order copies whole image rows at a time
    cols = sliding_window_view(x, (k, k), axis=(2, 3)).transpose(1, 4, 5, 0, 2, 3)
    cols = cols.reshape(-1, n * oh * ow)
    filters = K.reshape(len(K), -1)  # a view: updating it updates K
    z = filters @ cols + c[:, None]  # (8, n oh ow): the convolution, one map per filter
    a = np.maximum(z, 0).reshape(len(K), n, oh, ow)
    pooled, corners = max_pool(a)    # (8, n, 12, 12)
    flat = pooled.transpose(1, 0, 2, 3).reshape(n, -1)  # PyTorch's (C, H, W) order per image
    loss, d_logits = softmax_cross_entropy(flat @ W.T + b, y)
    # backward: the linear layer, the pool, relu (which passes where z > 0)
    d_pooled = (d_logits @ W).reshape(n, len(K), *pooled.shape[2:])
    d_z = max_pool_backward(corners, pooled, d_pooled.transpose(1, 0, 2, 3))
    d_z = d_z.reshape(z.shape) * (z > 0)
    sgd_linear(W, b, d_logits, flat, lr)
    sgd_linear(filters, c, d_z.T, cols.T, lr)  # the convolution is a linear layer on cols
    return loss


# the offsets (i, j) of the entries of each POOL x POOL window
OFFSETS = [(i, j) for i in range(POOL) for j in range(POOL)]


def max_pool(a: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """The maximum of each POOL x POOL window of a (..., H, W), and the strided views of
    a that hold the windows' (i, j) entries, one per offset. Taking the maximum of these
    few views is much faster than numpy's max over two tiny axes of a 6-d reshape."""
    entries = [a[..., i::POOL, j::POOL] for i, j in OFFSETS]
    return functools.reduce(np.maximum, entries), entries


def max_pool_backward(entries: list[np.ndarray], pooled: np.ndarray,
                      d_pooled: np.ndarray) -> np.ndarray:
    """The gradient goes to each window's maximum, shared evenly among tied maxima (as
    tinygrad_edu does; PyTorch picks one)."""
    winners = [e == pooled for e in entries]
    ties = np.zeros_like(pooled)
    for w in winners:
        ties += w
    share = d_pooled / ties
    h, w = entries[0].shape[-2:]
    d_a = np.empty((*pooled.shape[:-2], h * POOL, w * POOL), dtype=pooled.dtype)
    for (i, j), won in zip(OFFSETS, winners, strict=True):
        d_a[..., i::POOL, j::POOL] = won * share
    return d_a


def tinygrad_model() -> tg.nn.Module:
    return tg.nn.Sequential(tg.nn.Conv2d(1, FILTERS, KERNEL), tg.nn.ReLU(),
                            tg.nn.MaxPool2d(POOL), tg.nn.Flatten(),
                            tg.nn.Linear(FEATURES, 10))


def tinygrad_loss(model: tg.nn.Module):
    def loss_fn(x: tg.Tensor, labels: tg.Tensor) -> tg.Tensor:
        return F.cross_entropy(model(x), labels)
    return loss_fn


def w4(images: Images) -> Workload:
    """The CNN on Fashion-MNIST (or synthetic) images, batch 32."""
    batches = fixed_batches(images.pixels.reshape(-1, 1, 28, 28), images.labels, 32)
    rng = np.random.default_rng(0)
    params = uniform_init(rng, FILTERS, 1, KERNEL, KERNEL) + uniform_init(rng, 10, FEATURES)
    model = tinygrad_model()
    copy_into(model.parameters(), params)
    return Workload(
        "W4", f"conv 8x5x5, relu, maxpool 2, linear 10, softmax CE, SGD lr {LR}, batch 32",
        images.source,
        numpy_side(numpy_step, [p.copy() for p in params], with_one_hot(batches, 10), lr=LR),
        tinygrad_side(tinygrad_loss(model), list(model.parameters()), LR, batches))
