"""Normalisation layers: BatchNorm1d, BatchNorm2d, LayerNorm and GroupNorm, as PyTorch's.

They hold `weight` (ones) and `bias` (zeros) when affine, and BatchNorm also its running
statistics as buffers, saved in `state_dict()` under PyTorch's names: `running_mean`,
`running_var` and `num_batches_tracked`. The mathematics is in normalization.py.

>>> import tinygrad_edu as tg
>>> bn = tg.nn.BatchNorm1d(3)
>>> bn
BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
>>> list(bn.state_dict())
['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..grad_mode import no_grad
from ..tensor import Tensor, as_dtype, float32
from . import functional as F
from .module import Module, Parameter


def _filled(value: float, shape, dtype) -> np.ndarray:
    return np.full(shape, value, dtype=as_dtype(dtype or float32))


def _affine(module: Module, affine: bool, shape, dtype) -> None:
    """weight = ones and bias = zeros of `shape` (PyTorch's start), or None for both."""
    module.register_parameter("weight", Parameter(_filled(1, shape, dtype)) if affine else None)
    module.register_parameter("bias", Parameter(_filled(0, shape, dtype)) if affine else None)


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input's rank."""

    ranks: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine(self, affine, (num_features,), dtype)
        tracked = track_running_stats
        self.register_buffer("running_mean", Tensor(_filled(0, num_features, dtype))
                             if tracked else None)
        self.register_buffer("running_var", Tensor(_filled(1, num_features, dtype))
                             if tracked else None)
        self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64))
                             if tracked else None)

    def reset_running_stats(self) -> None:
        """Back to mean 0, variance 1 and no batches seen."""
        if self.track_running_stats:
            with no_grad():
                for buffer in (self.running_mean, self.running_var, self.num_batches_tracked):
                    buffer.zero_()
                self.running_var += 1

    def forward(self, input: Tensor) -> Tensor:
        name = type(self).__name__
        if input.ndim not in self.ranks:
            wanted = " or ".join(f"{r}D" for r in self.ranks)
            raise ValueError(f"{name}: expected {wanted} input (got {input.ndim}D input)")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self.num_features} channels in dimension 1, "
                             f"got input of shape {input.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked += 1
            if self.momentum is None:     # a cumulative average: batch k weighs 1 / k
                momentum = 1.0 / self.num_batches_tracked.item()
        # batch statistics when training, or when there are no running ones to use
        use_batch = self.training or self.running_mean is None
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight,
                            self.bias, use_batch, momentum, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) (Ioffe and Szegedy): each of the C
    features normalised by its mean and variance over the batch (and L) while training,
    by the running estimates in eval mode."""

    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W): each channel normalised over the batch
    and all positions while training, by the running estimates in eval mode."""

    ranks = (4,)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions, `normalized_shape` (Ba et al.)."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else \
            tuple(normalized_shape)
        self.normalized_shape, self.eps = shape, eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, shape, dtype)
        if not bias:
            self.register_parameter("bias", None)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")


class GroupNorm(Module):
    """Normalise each sample over `num_groups` groups of its channels (Wu and He)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, dtype=None):
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels must be divisible by num_groups, got "
                             f"{num_channels} and {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = \
            num_groups, num_channels, eps, affine
        _affine(self, affine, (num_channels,), dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"
