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
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .. import ops
from ..primitive import unwrap
from ..tensor import Tensor, as_tensor
from .convolution import avg_pool2d, conv2d, max_pool2d

__all__ = [
    "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "clip",
    "conv2d", "cross_entropy", "l1_penalty", "l2_penalty", "linear", "log_softmax",
    "logsumexp", "max_pool2d", "mse_loss", "nll_loss", "relu", "sigmoid", "softmax",
    "softplus", "tanh",
]

# ---------------------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------------------


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow for any finite x.

    >>> import tinygrad_edu as tg
    >>> tg.tensor([-1e4, 0.0, 1e4]).sigmoid()
    tensor([0. , 0.5, 1. ])
    """
    return ops.sigmoid(as_tensor(x))


def tanh(x: Tensor) -> Tensor:
    return ops.tanh(as_tensor(x))


def relu(x: Tensor) -> Tensor:
    """max(x, 0); its gradient at exactly 0 is 0, as in PyTorch."""
    return ops.relu(as_tensor(x))


def softplus(x: Tensor) -> Tensor:
    """log(1 + exp(x)), stable for any finite x; its derivative is sigmoid(x).

    One fused primitive (`ops.softplus`, for stability and speed); the tests check it
    against autodiff through relu(x) + log(1 + exp(-|x|)), first and second order.

    >>> import tinygrad_edu as tg
    >>> tg.hessian(lambda x: tg.nn.functional.softplus(x).sum(), tg.zeros(1)).item()
    0.25
    """
    return ops.softplus(as_tensor(x))


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
    tensor([0.5, 0.5])
    """
    return as_tensor(x).softmax(dim)


# ---------------------------------------------------------------------------------------
# Losses (reduction: "mean", "sum" or "none", as in PyTorch)
# ---------------------------------------------------------------------------------------


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _same_shape(name: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape "
                         f"{target.shape} differ")


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error, mean((input - target)^2). The article's cost is half of it."""
    input, target = as_tensor(input), as_tensor(target, dtype=input.dtype)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def binary_cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """-(y log p + (1 - y) log(1 - p)) for probabilities p in [0, 1], each log floored at
    -100 as in PyTorch, so that p = 0 or 1 gives a finite loss.

    One fused primitive (`ops.binary_cross_entropy`, for speed); the tests check its
    gradients against autodiff through the formula above. Prefer
    `binary_cross_entropy_with_logits` on the pre-sigmoid value: it is exact where p rounds
    to 0 or 1.

    >>> import tinygrad_edu as tg
    >>> round(tg.nn.functional.binary_cross_entropy(tg.tensor([0.5]), tg.tensor([1.0])).item(), 4)
    0.6931
    """
    input, target = as_tensor(input), as_tensor(target, dtype=input.dtype)
    _same_shape("binary_cross_entropy", input, target)
    if input.array.size and not (0 <= input.array.min() and input.array.max() <= 1):
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1] "
                         "(apply sigmoid first, or use binary_cross_entropy_with_logits)")
    return _reduce(ops.binary_cross_entropy(input, target), reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Binary cross entropy of sigmoid(input), as softplus(z) - y z: stable for any z.

    This is the negative Bernoulli log-likelihood of the article's logistic regression,
    sum(log(1 + exp(s)) - y s), without its overflow. One fused primitive, as in PyTorch;
    its gradient, sigmoid(z) - y, is checked against autodiff through softplus(z) - y z.
    """
    input, target = as_tensor(input), as_tensor(target, dtype=input.dtype)
    _same_shape("binary_cross_entropy_with_logits", input, target)
    return _reduce(ops.binary_cross_entropy_with_logits(input, target), reduction,
                   "binary_cross_entropy_with_logits")


def _class_indices(name: str, target, n: int, classes: int) -> np.ndarray:
    target = np.asarray(unwrap(target))
    if target.shape != (n,) or not np.issubdtype(target.dtype, np.integer):
        raise ValueError(f"{name}: target must be {n} integer class indices of shape ({n},), "
                         f"got shape {target.shape} and dtype {target.dtype}")
    bad = target[(target < 0) | (target >= classes)]
    if bad.size:
        raise ValueError(f"{name}: target holds class {bad[0]}, out of range for {classes} "
                         f"classes (0 to {classes - 1})")
    return target


def nll_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities `input` (N, C) at class indices (N,)."""
    input = as_tensor(input)
    if input.ndim != 2:
        raise ValueError(f"nll_loss: input must have shape (N, C), got {input.shape}")
    return _picked("nll_loss", input, target, reduction)


def _picked(name: str, log_probs: Tensor, target, reduction: str) -> Tensor:
    """-log_probs[i, target[i]], reduced; errors name the loss the user called."""
    n, classes = log_probs.shape
    target = _class_indices(name, target, n, classes)
    return _reduce(-log_probs[np.arange(n), target], reduction, name)


def cross_entropy(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Categorical cross entropy of softmax(input) (N, C), from raw scores (logits).

    `target` is either class indices (N,) or class probabilities (N, C), e.g. one-hot rows:
    -sum_j y_j log softmax(z)_j per row. Its gradient with respect to the logits is
    (softmax(z) - y) / N: the article's `a - y`, which the tests derive by autodiff.
    """
    input = as_tensor(input)
    if input.ndim != 2:
        raise ValueError(f"cross_entropy: input must have shape (N, C), got {input.shape}")
    log_probs = log_softmax(input, dim=1)
    if isinstance(target, (Tensor, np.ndarray)) and np.issubdtype(target.dtype, np.floating):
        target = as_tensor(target, dtype=input.dtype)
        _same_shape("cross_entropy", input, target)
        return _reduce(-(target * log_probs).sum(1), reduction, "cross_entropy")
    return _picked("cross_entropy", log_probs, target, reduction)


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
