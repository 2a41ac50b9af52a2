"""`tg.nn.functional`, PyTorch's `F`: activations, softmax, losses, linear, convolution and
pooling, and the L1 and L2 penalties. Compositions of primitives: no gradient here is
hand-written.

Every function below is built from the primitives of `ops.py`, so its gradient is whatever
the chain rule makes of theirs. That is the point: the article's `a - y` at the output of a
softmax with cross entropy (or a sigmoid with `binary_cross_entropy`), and its
`sigmoid_prime`, are not coded here; the tests show that autodiff produces them.

A few of these call a fused primitive instead of composing several (`sigmoid`, `softplus`,
`relu`, `log_softmax`, `binary_cross_entropy`, `binary_cross_entropy_with_logits` and
`linear`): each for numerical stability or a measured speed-up, and each with a test that
checks its VJP against autodiff through the composed definition written in its docstring.
One of them writes the article's formula, as PyTorch does:
`binary_cross_entropy_with_logits`, whose VJP is `sigmoid(z) - y`; its test derives the
same by autodiff through `softplus(z) - y z`.

The penalties are the article's suggested exercise in regularisation: add one to any loss,
`loss + lam * l2_penalty(model.parameters())`, and autodiff does the rest. For the L2
penalty this is what the optimisers' `weight_decay` does by hand: the gradient of
(lam / 2) * sum(w^2) is lam * w, which SGD and Adam with `weight_decay=lam` add to each
gradient (AdamW instead shrinks the weights directly, outside the gradient).

Three families live in files of their own and are gathered here: convolution and pooling
(convolution.py), the losses (losses.py) and the normalisations (normalization.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .. import ops
from ..tensor import Tensor, as_tensor, same_dtype, stack, where
from .convolution import avg_pool2d, conv2d, max_pool2d
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    kl_div,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from .normalization import batch_norm, group_norm, layer_norm

__all__ = [
    "adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "clip", "conv2d", "cross_entropy", "dropout", "elu",
    "embedding", "gelu", "group_norm", "huber_loss", "kl_div", "l1_loss", "l1_penalty",
    "l2_penalty", "layer_norm", "leaky_relu", "linear", "log_softmax", "logsumexp",
    "max_pool2d", "mse_loss", "nll_loss", "one_hot", "relu", "sigmoid", "silu", "smooth_l1_loss",
    "softmax", "softplus", "tanh",
]

# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow for any finite x.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([-1e4, 0.0, 1e4]).sigmoid()
    tensor([0.0000, 0.5000, 1.0000])
    """
    return ops.sigmoid(as_tensor(x))


def tanh(x: Tensor) -> Tensor:
    return ops.tanh(as_tensor(x))


def relu(x: Tensor) -> Tensor:
    """max(x, 0); its gradient at exactly 0 is 0, as in PyTorch."""
    return ops.relu(as_tensor(x))


# ---------------------------------------------------------------------------------------
# Softmax and friends (dim is the class dimension)
# ---------------------------------------------------------------------------------------


def logsumexp(x: Tensor, dim: int, keepdim: bool = False) -> Tensor:
    """log(sum(exp(x))) along `dim`, as m + log(sum(exp(x - m))) with m the maximum: the
    shift m is a constant (the value does not depend on it), so exp never overflows."""
    return as_tensor(x).logsumexp(dim, keepdim)


def clip(x: Tensor, min=None, max=None) -> Tensor:
    """Limit x to [min, max]; the gradient passes where x is inside (bounds included)."""
    return as_tensor(x).clip(min, max)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log(softmax(x)) = x - logsumexp(x): finite even where softmax underflows to 0.

    One fused primitive (`ops.log_softmax`), checked against autodiff through
    x - logsumexp(x).
    """
    return as_tensor(x).log_softmax(dim)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x_j) / sum_k exp(x_k) along `dim`, shifted by the maximum to avoid overflow.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([1000.0, 1000.0]).softmax(0)
    tensor([0.5000, 0.5000])
    """
    return as_tensor(x).softmax(dim)


# ---------------------------------------------------------------------------------------
# Dense layers and penalties
# ---------------------------------------------------------------------------------------

def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x W^T + b with W of shape (out_features, in_features), as PyTorch's `F.linear`.

    One fused primitive (see `ops.linear`); its gradient equals autodiff through
    `x @ weight.T + bias`, which the tests check.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.linear(tg.ones(2, 3), tg.ones(4, 3), tg.zeros(4)).shape
    (2, 4)
    """
    x, weight = as_tensor(x), as_tensor(weight)
    bias = None if bias is None else as_tensor(bias)
    if weight.ndim != 2 or x.ndim < 1 or x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: input of shape {x.shape} does not fit a weight of shape "
                         f"{weight.shape} (out_features, in_features)")
    if bias is not None and bias.shape != weight.shape[:1]:
        raise ValueError(f"linear: bias has shape {bias.shape}, expected "
                         f"({weight.shape[0]},) for a weight of shape {weight.shape}")
    same_dtype("linear", x, weight, *([] if bias is None else [bias]))
    return ops.linear(x, weight, bias)


def _penalty(name: str, params: Iterable[Tensor], term) -> Tensor:
    params = [params] if isinstance(params, Tensor) else list(params)
    if not params:
        raise ValueError(f"{name}: got no parameters to penalise")
    total = term(as_tensor(params[0])).sum()
    for p in params[1:]:
        total = total + term(as_tensor(p)).sum()
    return total


def l1_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum |w| over every entry of every tensor in `params` (lasso): pushes weights to 0.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.l1_penalty([tg.tensor([1.0, -2.0]), tg.tensor([[3.0]])]).item()
    6.0
    """
    return _penalty("l1_penalty", params, lambda w: w.abs())


def l2_penalty(params: Iterable[Tensor]) -> Tensor:
    """sum w^2 over every entry of every tensor in `params` (ridge): shrinks weights.

    (lam / 2) * l2_penalty(params) added to the loss has the gradient lam * w, which is
    what `weight_decay=lam` adds in SGD, RMSprop, Adagrad and Adam.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.l2_penalty([tg.tensor([1.0, -2.0]), tg.tensor([[3.0]])]).item()
    14.0
    """
    return _penalty("l2_penalty", params, lambda w: w * w)


# ---------------------------------------------------------------------------------------
# Activations with settings
# ---------------------------------------------------------------------------------------

def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else negative_slope * x (the slope's gradient at exactly 0, as in
    PyTorch). `inplace` is accepted and ignored: the result is always a new tensor."""
    input = as_tensor(input)
    return where(input > 0, input, input * negative_slope)


def _expm1_nonpositive(x: Tensor) -> Tensor:
    """exp(x) - 1 for x <= 0 without the cancellation of exp(x) - 1 near 0:
    2 t / (1 - t) with t = tanh(x / 2), an identity whose parts lose nothing there."""
    t = (x * 0.5).tanh()
    return 2 * t / (1 - t)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha (exp(x) - 1) (Clevert et al.); `inplace` is ignored.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.elu(tg.tensor([-100.0, 0.0, 2.0])).tolist()
    [-1.0, 0.0, 2.0]
    """
    input = as_tensor(input)
    # exp of the clipped value: the unused branch stays finite for large x (no inf * 0)
    return where(input > 0, input, alpha * _expm1_nonpositive(input.clip(max=0)))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x), Phi the standard normal CDF (Hendrycks and Gimpel): 0.5 x (1 + erf(x /
    sqrt 2)); approximate="tanh" uses 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3))).

    >>> import tinygrad_edu as tg
    >>> round(tg.nn.functional.gelu(tg.tensor([1.0]), approximate="tanh").item(), 4)
    0.8412
    """
    input = as_tensor(input)
    if approximate == "tanh":
        # beyond |x| = 10 the tanh is +-1 to double precision: clipping first keeps x^3
        # from overflowing and changes neither the value nor the gradient
        c = input.clip(-10, 10)
        inner = math.sqrt(2 / math.pi) * (c + 0.044715 * c * c * c)
        return 0.5 * input * (1 + inner.tanh())
    if approximate == "none":
        return 0.5 * input * (1 + ops.erf(input * (1 / math.sqrt(2))))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x sigmoid(x), also called swish; `inplace` is ignored."""
    input = as_tensor(input)
    return input * input.sigmoid()


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, and x itself where beta x > threshold (PyTorch's
    switch to the line it is indistinguishable from). Stable for any finite x: one fused
    primitive (`ops.softplus`), checked against autodiff through relu(x) + log(1 + exp(-|x|)).

    >>> import tinygrad_edu as tg
    >>> tg.hessian(lambda x: tg.nn.functional.softplus(x).sum(), tg.zeros(1)).item()
    0.25
    """
    input = as_tensor(input)
    scaled = input if beta == 1 else input * beta
    smooth = ops.softplus(scaled) if beta == 1 else ops.softplus(scaled) / beta
    return where(scaled > threshold, input, smooth)


# ---------------------------------------------------------------------------------------
# Dropout, embedding, adaptive pooling
# ---------------------------------------------------------------------------------------

def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """When training, zero each entry with probability p and scale the others by
    1 / (1 - p), so the expected value is unchanged (as PyTorch); otherwise the input
    itself. Draws from the generator that `tg.manual_seed` seeds; `inplace` is ignored.

    >>> import tinygrad_edu as tg
    >>> out = tg.nn.functional.dropout(tg.ones(1000), p=0.2)
    >>> sorted(set(round(v, 4) for v in out.tolist()))
    [0.0, 1.25]
    """
    if isinstance(p, bool) or not 0 <= p <= 1:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    input = as_tensor(input)
    if not training or p == 0:
        return input
    if p == 1:
        return input * 0.0
    return input * ops.dropout_scale(input, p=p)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """PyTorch's one-hot: integer class indices of any shape -> int64 rows of 0s with a 1 at
    each index, shape tensor.shape + (num_classes,); num_classes=-1 takes the largest
    index + 1. No gradient (the indices are numbers, not parameters).

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.one_hot(tg.arange(0, 5) % 3)
    tensor([[1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
            [1, 0, 0],
            [0, 1, 0]])
    """
    labels = tensor if isinstance(tensor, Tensor) else np.asarray(tensor)
    if labels.size == 0 and labels.dtype.kind == "f":
        labels = np.zeros(labels.shape, np.int64)  # np.asarray([]) is float64: no labels
    if num_classes != -1:  # the primitive reads the labels (a compiled step replays it)
        return as_tensor(ops.one_hot(labels, num_classes=num_classes))
    # the number of classes comes from the labels' values, read here
    values = labels.numpy() if isinstance(labels, Tensor) else labels
    if not values.size:
        raise ValueError("one_hot: cannot infer num_classes from no labels; pass it")
    if np.issubdtype(values.dtype, np.integer):
        num_classes = int(values.max()) + 1
    return as_tensor(ops.one_hot(labels, num_classes=num_classes))


def embedding(input, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None) -> Tensor:
    """Rows of `weight` (num_embeddings, dim) picked by the integer indices `input`: an
    output of shape input.shape + (dim,). Rows at `padding_idx` get no gradient (they keep
    their value, zeros by default in `nn.Embedding`).

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.embedding(tg.tensor([[2, 0]]), tg.arange(6.0).reshape(3, 2))
    tensor([[[4., 5.],
             [0., 1.]]])
    """
    if max_norm is not None:
        raise NotImplementedError("embedding: max_norm (renormalising rows in place) is not "
                                  "supported")
    weight = as_tensor(weight)
    indices = np.asarray(input.numpy() if isinstance(input, Tensor) else input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    rows = weight.shape[0]
    if indices.size and (indices.min() < -rows or indices.max() >= rows):
        bad = indices.max() if indices.max() >= rows else indices.min()
        raise IndexError(f"embedding: index {bad} is out of range for {rows} embeddings")
    out = weight[indices]
    if padding_idx is None:
        return out
    padding = padding_idx % rows
    learned = (indices % rows != padding)[..., None]
    return where(learned, out, out.detach())      # the same values, no gradient at padding


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average pooling to a given output size (oh, ow): bin i of a side of length n covers
    rows floor(i n / o) to ceil((i + 1) n / o), as in PyTorch; None keeps that side.

    >>> import tinygrad_edu as tg
    >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
    >>> tg.nn.functional.adaptive_avg_pool2d(x, 1).tolist()
    [[[[7.5]]]]
    """
    input = as_tensor(input)
    if input.ndim not in (3, 4):
        raise ValueError(f"adaptive_avg_pool2d: input must be (N, C, H, W) or (C, H, W), "
                         f"got {input.shape}")
    (h, w), sizes = input.shape[-2:], output_size
    oh, ow = (sizes, sizes) if isinstance(sizes, int) else sizes
    oh, ow = oh or h, ow or w
    if h % oh == 0 and w % ow == 0:            # equal bins: one reshape and one mean
        grid = input.reshape(*input.shape[:-2], oh, h // oh, ow, w // ow)
        return grid.mean((-3, -1))
    rows = [_bin(input, -2, i, h, oh) for i in range(oh)]
    return stack([stack([_bin(r, -1, j, w, ow) for j in range(ow)], -1) for r in rows], -2)


def _bin(x: Tensor, axis: int, i: int, n: int, o: int) -> Tensor:
    """The mean of bin i of o along `axis` (of length n), that axis dropped."""
    start, end = (i * n) // o, -((-(i + 1) * n) // o)
    index = [slice(None)] * x.ndim
    index[axis] = slice(start, end)
    return x[tuple(index)].mean(axis)
