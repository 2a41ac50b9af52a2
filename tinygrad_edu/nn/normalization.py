"""Normalisation as functions: batch_norm, layer_norm and group_norm, as PyTorch's `F`.

All three subtract a mean and divide by a standard deviation, sqrt(var + eps), with the
biased variance (divide by the count), then scale and shift by `weight` and `bias`. They
differ in which numbers share a mean: batch_norm, each channel across the batch (and the
positions); layer_norm, each sample across its last dimensions; group_norm, each sample
across a group of channels. Compositions of primitives: the gradients come from autodiff.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..grad_mode import no_grad
from ..tensor import Tensor, as_tensor


def _normalize(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """(x - mean) / sqrt(var + eps) over `axes`, and the biased variance it used."""
    centred = x - x.mean(axes, keepdim=True)
    var = (centred * centred).mean(axes, keepdim=True)
    return centred / (var + eps) ** 0.5, var


def _affine(x: Tensor, weight, bias, shape: tuple[int, ...]) -> Tensor:
    """x * weight + bias, with weight and bias reshaped to broadcast as `shape`."""
    if weight is not None:
        x = x * as_tensor(weight).reshape(shape)
    if bias is not None:
        x = x + as_tensor(bias).reshape(shape)
    return x


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight=None, bias=None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dimension 1) of (N, C, ...) with its batch statistics when
    `training`, else with `running_mean` and `running_var`.

    When training, the running statistics (if given) move towards the batch's, in place:
    running = (1 - momentum) running + momentum batch, with the *unbiased* batch
    variance (divide by count - 1), as PyTorch keeps it; the normalisation itself uses the
    biased one.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([[1.0], [3.0]])
    >>> mean, var = tg.zeros(1), tg.ones(1)
    >>> tg.nn.functional.batch_norm(x, mean, var, training=True, eps=0.0)
    tensor([[-1.],
            [ 1.]])
    >>> mean, var                       # 0.9 * 0 + 0.1 * 2;  0.9 * 1 + 0.1 * 2 (unbiased)
    (tensor([0.2000]), tensor([1.1000]))
    """
    input = as_tensor(input)
    if input.ndim < 2:
        raise ValueError(f"batch_norm: input must have shape (N, C, ...), got {input.shape}")
    channels = input.shape[1]
    shape = (1, channels) + (1,) * (input.ndim - 2)
    if training:
        axes = (0, *range(2, input.ndim))
        count = input.numel() // channels if channels else 0
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of shape {input.shape}")
        out, var = _normalize(input, axes, eps)
        if running_mean is not None and running_var is not None:
            _update_running(running_mean, running_var, input.mean(axes), var, count, momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not "
                             "training")
        mean = as_tensor(running_mean).detach().reshape(shape)
        var = as_tensor(running_var).detach().reshape(shape)
        out = (input - mean) / (var + eps) ** 0.5
    return _affine(out, weight, bias, shape)


def _update_running(running_mean: Tensor, running_var: Tensor, mean: Tensor, var: Tensor,
                    count: int, momentum: float) -> None:
    """The running statistics' step, outside any graph: they are buffers, not weights."""
    unbiased = var.detach().reshape(running_var.shape) * (count / (count - 1))
    with no_grad():
        running_mean *= 1 - momentum
        running_mean += momentum * mean.detach()
        running_var *= 1 - momentum
        running_var += momentum * unbiased


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int], weight=None,
               bias=None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample over its last dimensions, which must be `normalized_shape`.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.layer_norm(tg.tensor([[1.0, 3.0]]), (2,), eps=0.0)
    tensor([[-1.,  1.]])
    """
    input = as_tensor(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
        tuple(normalized_shape)
    k = len(shape)
    if k == 0 or input.shape[input.ndim - k:] != shape or input.ndim < k:
        raise ValueError(f"layer_norm: given normalized_shape={list(shape)}, expected input "
                         f"with shape [*, {', '.join(map(str, shape))}], but got input of "
                         f"shape {input.shape}")
    out, _ = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    return _affine(out, weight, bias, shape)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample over groups of channels: the C channels of (N, C, ...) in
    `num_groups` consecutive groups (1 group: layer norm over C and the rest; C groups:
    instance norm).

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.group_norm(tg.tensor([[1.0, 3.0, 5.0, 9.0]]), 2, eps=0.0)
    tensor([[-1.,  1., -1.,  1.]])
    """
    input = as_tensor(input)
    if input.ndim < 2 or num_groups < 1 or input.shape[1] % num_groups:
        raise ValueError(f"group_norm: expected input of shape (N, C, ...) with C divisible "
                         f"by num_groups={num_groups}, got {input.shape}")
    n, channels = input.shape[:2]
    grouped = input.reshape(n, num_groups, -1)
    out, _ = _normalize(grouped, (2,), eps)
    shape = (1, channels) + (1,) * (input.ndim - 2)
    return _affine(out.reshape(input.shape), weight, bias, shape)
