"""Loss functions, as PyTorch's `F.*_loss`: compositions of primitives, never a
hand-written gradient.

Every loss computes one number per element (or per sample) and then reduces them:
`reduction="mean"` (the default), `"sum"`, or `"none"` (the unreduced losses). The class
losses (`nll_loss`, `cross_entropy`) take scores of shape (C,), (N, C) or (N, C, d1, ...)
with the classes in dimension 1, as PyTorch does for images and sequences.

Where PyTorch normalises differently from a plain mean, so do we, and the docstring says
how: a weighted `nll_loss` divides by the sum of the picked weights, not by N.
"""

from __future__ import annotations

import numpy as np

from .. import ops
from ..tensor import Tensor, as_tensor, where

REDUCTIONS = ("mean", "sum", "none")


def reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    """The losses reduced as `reduction` says ("mean", "sum" or "none")."""
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _pair(name: str, input, target) -> tuple[Tensor, Tensor]:
    """input and target as tensors of input's dtype and of one shape."""
    input = as_tensor(input)
    target = as_tensor(target, dtype=input.dtype)
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape "
                         f"{target.shape} differ")
    return input, target


# ---------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------

def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error, mean((input - target)^2). The article's cost is half of it.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.mse_loss(tg.tensor([1.0, 2.0]), tg.tensor([0.0, 0.0])).item()
    2.5
    """
    input, target = _pair("mse_loss", input, target)
    diff = input - target
    return reduce(diff * diff, reduction, "mse_loss")


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error, mean(|input - target|) (its gradient at a tie is 0)."""
    input, target = _pair("l1_loss", input, target)
    return reduce((input - target).abs(), reduction, "l1_loss")


def smooth_l1_loss(input: Tensor, target, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target): squared
    near zero, absolute far out. beta = 0 gives l1_loss.

    >>> import tinygrad_edu as tg
    >>> F = tg.nn.functional
    >>> F.smooth_l1_loss(tg.tensor([0.5, 3.0]), tg.zeros(2), reduction="none")
    tensor([0.1250, 2.5000])
    """
    input, target = _pair("smooth_l1_loss", input, target)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    if beta == 0:
        return l1_loss(input, target, reduction)
    d = (input - target).abs()
    return reduce(where(d.numpy() < beta, 0.5 * d * d / beta, d - 0.5 * beta), reduction,
                  "smooth_l1_loss")


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta): smooth_l1_loss times delta
    (with beta = delta), the robust regression loss of Huber (1964)."""
    input, target = _pair("huber_loss", input, target)
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = (input - target).abs()
    return reduce(where(d.numpy() < delta, 0.5 * d * d, delta * (d - 0.5 * delta)),
                  reduction, "huber_loss")


# ---------------------------------------------------------------------------------------
# Binary classification
# ---------------------------------------------------------------------------------------

def _weighted(loss: Tensor, weight, name: str) -> Tensor:
    """Each element's loss times its weight (broadcast against the loss, as in PyTorch)."""
    if weight is None:
        return loss
    weight = as_tensor(weight, dtype=loss.dtype)
    try:
        np.broadcast_shapes(weight.shape, loss.shape)
    except ValueError:
        raise ValueError(f"{name}: weight of shape {weight.shape} does not broadcast to the "
                         f"input's shape {loss.shape}") from None
    return loss * weight


def binary_cross_entropy(input: Tensor, target, weight=None,
                         reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], each log floored at
    -100 as in PyTorch, so that p = 0 or 1 gives a finite loss; `weight` scales each
    element. Inputs and targets outside [0, 1] are refused, as PyTorch refuses them.

    One fused primitive (`ops.binary_cross_entropy`, for speed); the tests check its
    gradients against autodiff through the formula above. Prefer
    `binary_cross_entropy_with_logits` on the pre-sigmoid value: it is exact where p rounds
    to 0 or 1.

    >>> import tinygrad_edu as tg
    >>> round(tg.nn.functional.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([1.0])).item(), 4)
    0.6931
    """
    if isinstance(weight, str):      # the old positional order was (input, target, reduction)
        weight, reduction = None, weight
    input, target = _pair("binary_cross_entropy", input, target)
    for what, values in (("input", input.numpy()), ("target", target.numpy())):
        if values.size and not (0 <= values.min() and values.max() <= 1):
            raise ValueError(f"binary_cross_entropy: all elements of {what} should be between "
                             f"0 and 1: {what} must be probabilities in [0, 1] (for scores, "
                             f"apply sigmoid first, or use binary_cross_entropy_with_logits)")
    loss = _weighted(ops.binary_cross_entropy(input, target), weight, "binary_cross_entropy")
    return reduce(loss, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, weight=None,
                                     reduction: str = "mean", pos_weight=None) -> Tensor:
    """Binary cross entropy of sigmoid(input), as softplus(z) - y z: stable for any z.

    This is the negative Bernoulli log-likelihood of the article's logistic regression,
    sum(log(1 + exp(s)) - y s), without its overflow. One fused primitive, as in PyTorch;
    its gradient, sigmoid(z) - y, is checked against autodiff through softplus(z) - y z.

    `pos_weight` (one per class, broadcast along the last dimension) multiplies the loss
    of the positive targets: (1 - y) z + (1 + (pos_weight - 1) y) softplus(-z), composed.
    """
    if isinstance(weight, str):      # the old positional order was (input, target, reduction)
        weight, reduction = None, weight
    input, target = _pair("binary_cross_entropy_with_logits", input, target)
    if pos_weight is None:
        loss = ops.binary_cross_entropy_with_logits(input, target)
    else:
        pos_weight = as_tensor(pos_weight, dtype=input.dtype)
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * ops.softplus(-input)
    loss = _weighted(loss, weight, "binary_cross_entropy_with_logits")
    return reduce(loss, reduction, "binary_cross_entropy_with_logits")


# ---------------------------------------------------------------------------------------
# Distributions
# ---------------------------------------------------------------------------------------

def kl_div(input: Tensor, target, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback-Leibler divergence sum y (log y - x) of the target distribution y from the
    log-probabilities x = `input` (with `log_target`, the target is log y too).

    reduction="batchmean" divides the sum by the batch size (the mathematical KL per
    sample); "mean", PyTorch's default, divides by the number of elements. Terms with
    y = 0 count 0 (the limit of y log y).

    >>> import tinygrad_edu as tg
    >>> p = tg.tensor([[0.5, 0.5]])
    >>> round(tg.nn.functional.kl_div(p.log(), tg.tensor([[1.0, 0.0]]), reduction="sum").item(), 4)
    0.6931
    """
    input, target = _pair("kl_div", input, target)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        positive = target > 0
        log_y = where(positive, target, 1.0).log()          # log 1 = 0 where y = 0
        pointwise = target * log_y - where(positive, target * input, 0.0)
    if reduction == "batchmean":
        return pointwise.sum() / (input.shape[0] if input.ndim else 1)
    return reduce(pointwise, reduction, "kl_div")


# ---------------------------------------------------------------------------------------
# Classification: class scores in dimension 1 of (N, C, d1, ...), or (C,) for one sample
# ---------------------------------------------------------------------------------------

def _classes_last(name: str, input: Tensor) -> Tensor:
    """(N, C, d1, ...) as rows (N d1 ..., C), one row per prediction; (C,) as (1, C)."""
    if input.ndim == 0:
        raise ValueError(f"{name}: input must have shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got a 0-d tensor")
    if input.ndim <= 2:
        return input.reshape(-1, input.shape[-1])
    moved = input.permute(0, *range(2, input.ndim), 1)
    return moved.reshape(-1, input.shape[1])


def _target_shape(input: Tensor) -> tuple[int, ...]:
    return () if input.ndim == 1 else (input.shape[0], *input.shape[2:])


def check_class_target(name: str, shape: tuple, dtype, input: Tensor) -> None:
    """Class indices must have input's shape without the class dimension, and integers."""
    expected = _target_shape(input)
    if shape != expected or not np.issubdtype(dtype, np.integer):
        raise ValueError(f"{name}: target must be integer class indices of shape {expected} "
                         f"for input of shape {input.shape}, got shape {shape} and "
                         f"dtype {dtype}")


def _class_weight(name: str, weight, classes: int, dtype) -> Tensor | None:
    """The class weights as a tensor of the scores' dtype: the tensor itself when it is
    one (a compiled step reads it at each call), checked to hold one weight per class."""
    if weight is None:
        return None
    weight = as_tensor(weight, dtype=dtype)
    if weight.shape != (classes,):
        raise ValueError(f"{name}: weight must have one entry per class, shape ({classes},), "
                         f"got {weight.shape}")
    return weight.detach()


def nll_loss(input: Tensor, target, weight=None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -w[y] x[y] of log-probabilities `input` at the class
    indices `target` (shape (N,) for input (N, C); (N, d1, ...) for (N, C, d1, ...)).

    `weight` (C,) rescales each class; targets equal to `ignore_index` count nothing.
    "mean" divides by the sum of the weights of the counted targets (N when unweighted),
    as PyTorch does.

    >>> import tinygrad_edu as tg
    >>> logp = tg.tensor([[-1.0, -2.0], [-3.0, -4.0]])
    >>> tg.nn.functional.nll_loss(logp, tg.tensor([1, 0])).item()
    2.5
    """
    if isinstance(weight, str):      # the old positional order was (input, target, reduction)
        weight, reduction = None, weight
    return _nll("nll_loss", as_tensor(input), target, weight, ignore_index, reduction)


def _nll(name: str, input: Tensor, target, weight, ignore_index: int, reduction: str,
         smoothing: float = 0.0) -> Tensor:
    """nll_loss, with errors that name the loss the user called (`name`). One primitive
    reads the class indices, the weights and the smoothing (ops.nll): no label leaves the
    engine, so a compiled step replays it on the next batch."""
    rows = _classes_last(name, input)
    y = as_tensor(target)
    check_class_target(name, y.shape, y.dtype, input)
    if reduction not in REDUCTIONS:
        reduce(rows, reduction, name)  # raises, naming the reductions
    w = _class_weight(name, weight, rows.shape[1], rows.dtype)
    losses = ops.nll(rows, y.reshape(-1), w, ignore_index=ignore_index, reduction=reduction,
                     name=name, smoothing=smoothing)
    return losses.reshape(_target_shape(input)) if reduction == "none" else losses


def cross_entropy(input: Tensor, target, weight=None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of softmax(input) from raw class scores (logits), classes in dim 1.

    `target` is class indices (the shape of input without dim 1), or class probabilities
    of input's shape (floats, e.g. one-hot rows): -sum_c w_c y_c log softmax(z)_c per
    prediction, and "mean" then divides by the number of predictions. With indices, it is
    nll_loss of log_softmax(input) (`weight`, `ignore_index` as there). Its gradient with
    respect to the logits is (softmax(z) - y) / N: the article's `a - y`, which the tests
    derive by autodiff.

    `label_smoothing` = e mixes the target with the uniform distribution: (1 - e) y + e / C.

    >>> import tinygrad_edu as tg
    >>> F = tg.nn.functional
    >>> round(F.cross_entropy(tg.zeros(1, 2), tg.tensor([0])).item(), 4)       # log 2
    0.6931
    """
    if isinstance(weight, str):      # the old positional order was (input, target, reduction)
        weight, reduction = None, weight
    input = as_tensor(input)
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have shape (C,), (N, C) or (N, C, d1, ...), "
                         "got a 0-d tensor")
    if not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing}")
    class_dim = 0 if input.ndim == 1 else 1
    log_probs = ops.log_softmax(input, axis=class_dim)
    if isinstance(target, (Tensor, np.ndarray)) and np.issubdtype(target.dtype, np.floating):
        if ignore_index >= 0:
            raise ValueError("cross_entropy: ignore_index is not supported for probability "
                             "(floating point) targets")
        return _soft_cross_entropy(log_probs, target, weight, reduction, label_smoothing)
    return _nll("cross_entropy", log_probs, target, weight, ignore_index, reduction,
                label_smoothing)


def _class_weight_along(weight, log_probs: Tensor) -> Tensor | None:
    """The class weights shaped to broadcast along dimension 1 (or 0 for one sample)."""
    classes = log_probs.shape[0 if log_probs.ndim == 1 else 1]
    weight = _class_weight("cross_entropy", weight, classes, log_probs.dtype)
    if weight is None or log_probs.ndim == 1:
        return weight
    return weight.reshape(classes, *[1] * (log_probs.ndim - 2))


def _soft_cross_entropy(log_probs, target, weight, reduction, smoothing) -> Tensor:
    """-sum_c w_c y_c log p_c per prediction, for a target distribution y."""
    target = as_tensor(target, dtype=log_probs.dtype)
    class_dim = 0 if log_probs.ndim == 1 else 1
    if target.shape == log_probs.shape[:class_dim] + log_probs.shape[class_dim + 1:]:
        raise TypeError(f"cross_entropy: class indices must be integers, got a float target "
                        f"of shape {target.shape}; convert it with target.long() (or give "
                        f"class probabilities of the input's shape {log_probs.shape})")
    if target.shape != log_probs.shape:
        raise ValueError(f"cross_entropy: a probability target must have the input's shape "
                         f"{log_probs.shape}, got {target.shape}")
    class_dim = 0 if log_probs.ndim == 1 else 1
    if smoothing:
        target = target * (1 - smoothing) + smoothing / log_probs.shape[class_dim]
    terms = target * log_probs
    w = _class_weight_along(weight, log_probs)
    return reduce(-(terms if w is None else terms * w).sum(class_dim), reduction,
                  "cross_entropy")
