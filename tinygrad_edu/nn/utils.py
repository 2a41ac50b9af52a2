"""tg.nn.utils: gradient clipping and flat parameter vectors, as `torch.nn.utils`.

Clipping runs between `loss.backward()` and `optimizer.step()` and changes the `.grad`
tensors in place, outside any graph:

>>> import tinygrad_edu as tg
>>> w = tg.tensor([3.0, 4.0], requires_grad=True)
>>> (w * w).sum().backward()                  # grad = 2 w = [6, 8], norm 10
>>> round(tg.nn.utils.clip_grad_norm_([w], max_norm=1.0).item(), 3)
10.0
>>> [round(g, 3) for g in w.grad.tolist()]
[0.6, 0.8]
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, cat

Parameters = Tensor | Iterable[Tensor]


def _tensors(parameters: Parameters) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def _norm(array: np.ndarray, norm_type: float) -> np.floating:
    """The p-norm of all entries (inf: the largest |entry|), 0 for an empty array."""
    if norm_type == math.inf:
        return np.abs(array).max(initial=0)
    return np.linalg.norm(array.ravel(), ord=norm_type)


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    The joint norm is the p-norm of every gradient entry of every parameter (as if they
    were one vector). Each gradient is multiplied by min(1, max_norm / (norm + 1e-6)), as
    in PyTorch; the returned tensor is the norm before clipping (useful to log).
    `error_if_nonfinite=True` raises instead of scaling by a nan or inf norm.
    """
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    norm_type = float(norm_type)
    norms = [_norm(g.numpy(), norm_type) for g in grads]
    total = _norm(np.array(norms), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is non-finite, so it cannot be clipped; to scale the "
                           f"gradients by it anyway, set error_if_nonfinite=False")
    coef = min(float(max_norm) / (float(total) + 1e-6), 1.0)
    with no_grad():
        for g in grads:
            g *= coef
    return Tensor(np.asarray(total, dtype=np.result_type(*[g.dtype for g in grads])))


def clip_grad_value_(parameters: Parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient entry into [-clip_value, clip_value], in place.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -1.0], requires_grad=True)
    >>> (w * tg.tensor([5.0, -0.2])).sum().backward()
    >>> tg.nn.utils.clip_grad_value_([w], 0.5)
    >>> w.grad
    tensor([ 0.5000, -0.2000])
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _tensors(parameters):
            if p.grad is not None:
                clipped = p.grad.clip(-clip_value, clip_value)
                p.grad.zero_()           # then add: an exact in-place copy of the values
                p.grad += clipped


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and joined into one vector (differentiable).

    >>> import tinygrad_edu as tg
    >>> layer = tg.nn.Linear(3, 2)
    >>> tg.nn.utils.parameters_to_vector(layer.parameters()).shape
    (8,)
    """
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters, in place (the inverse of
    parameters_to_vector). PyTorch makes each parameter a view of `vec`; here each keeps
    its own memory and receives a copy, which gives the same values.

    >>> import tinygrad_edu as tg
    >>> layer = tg.nn.Linear(1, 2)
    >>> tg.nn.utils.vector_to_parameters(tg.arange(4.0), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[0.0], [1.0]], [2.0, 3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got "
                        f"{type(vec).__name__}")
    params = list(parameters)
    needed = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.numel() != needed:
        raise ValueError(f"vector_to_parameters: the parameters hold {needed} numbers, the "
                         f"vector has shape {vec.shape}")
    start = 0
    with no_grad():
        for p in params:
            piece = vec.detach()[start:start + p.numel()].reshape(p.shape)
            p.zero_()
            p += piece
            start += p.numel()
