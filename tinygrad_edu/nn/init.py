"""Initialising weights in place, with PyTorch's names and formulas.

Each function overwrites the tensor's numbers with random ones (drawn from the generator that
`tg.manual_seed` seeds, so runs are reproducible) and returns the tensor. Writing the numbers
records nothing in any graph: these are settings of the starting point, not operations
to differentiate.

Why the scale matters: a layer with `fan_in` inputs sums `fan_in` products, so weights of
standard deviation 1 (the article's N(0, 1)) make the sums grow with the width and push
sigmoids into their flat tails. Xavier (Glorot) and Kaiming (He) scale the spread by
1/sqrt(fan) to keep the signal's size steady from layer to layer.
"""

from __future__ import annotations

import math

import numpy as np

from ..creation import generator
from ..primitive import bump_version
from ..tensor import Tensor


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.array[...] = values
    bump_version(tensor)
    return tensor


def _float_dtype(tensor: Tensor, name: str) -> np.dtype:
    if not np.issubdtype(tensor.dtype, np.floating):
        raise TypeError(f"{name}: needs a floating-point tensor, got dtype {tensor.dtype}")
    return tensor.dtype if tensor.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with draws from U(a, b).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.init.uniform_(tg.zeros(1000), -1, 1)
    >>> bool(-1 <= w.numpy().min() and w.numpy().max() < 1)
    True
    """
    dtype = _float_dtype(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: the lower bound a={a} is above the upper bound b={b}")
    return _fill(tensor, a + (b - a) * generator().random(tensor.shape, dtype=dtype))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with draws from N(mean, std^2); with the defaults, the article's N(0, 1) init.

    >>> import tinygrad_edu as tg
    >>> tg.manual_seed(0)
    >>> w = tg.nn.init.normal_(tg.zeros(10_000))
    >>> round(float(w.numpy().std()), 1)
    1.0
    """
    dtype = _float_dtype(tensor, "normal_")
    if std < 0:
        raise ValueError(f"normal_: std must be >= 0, got {std}")
    return _fill(tensor, mean + std * generator().standard_normal(tensor.shape, dtype=dtype))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros (the usual start for biases)."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return _fill(tensor, 1)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the signal's variance steady through this nonlinearity
    (PyTorch's table): 1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu,
    sqrt(2 / (1 + a^2)) for leaky_relu with slope a (0.01 by default)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor: Tensor, name: str) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel): inputs and outputs per unit."""
    if tensor.ndim < 2:
        raise ValueError(f"{name}: fan in and fan out need a tensor with at least 2 "
                         f"dimensions, got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """U(-b, b) with b = gain * sqrt(3 / fan) (He et al., 2015), fan = fan_in or fan_out.

    PyTorch's Linear and Conv2d start from kaiming_uniform_(w, a=sqrt(5)), which works out
    to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).

    >>> import math, tinygrad_edu as tg
    >>> w = tg.nn.init.kaiming_uniform_(tg.zeros(100, 25), a=math.sqrt(5))
    >>> bool(abs(w.numpy()).max() <= 1 / math.sqrt(25))
    True
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, "kaiming_uniform_")
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan) if fan else 0.0
    return uniform_(tensor, -bound, bound)
