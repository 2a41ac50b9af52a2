"""`tg.nn.functional`, PyTorch's `F`: every function of `tinygrad_edu.functional`, the
convolution and pooling of `tinygrad_edu.conv`, `linear`, and the L1 and L2 penalties.

The penalties are the article's suggested exercise in regularisation: add one to any loss,
`loss + lam * l2_penalty(model.parameters())`, and autodiff does the rest. For the L2
penalty this is what the optimisers' `weight_decay` does by hand: the gradient of
(lam / 2) * sum(w^2) is lam * w, which SGD and Adam with `weight_decay=lam` add to each
gradient (AdamW instead shrinks the weights directly, outside the gradient).
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ops
from ..conv import avg_pool2d, conv2d, max_pool2d
from ..functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    clip,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse_loss,
    nll_loss,
    relu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from ..tensor import Tensor, as_tensor

__all__ = [
    "avg_pool2d", "binary_cross_entropy", "binary_cross_entropy_with_logits", "clip",
    "conv2d", "cross_entropy", "l1_penalty", "l2_penalty", "linear", "log_softmax",
    "logsumexp", "max_pool2d", "mse_loss", "nll_loss", "relu", "sigmoid", "softmax",
    "softplus", "tanh",
]


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
