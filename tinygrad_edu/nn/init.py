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
from ..grad_mode import no_grad
from ..primitive import bump_version
from ..tensor import Tensor


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    tensor.array[...] = values
    bump_version(tensor)
    return tensor


def _float_dtype(tensor: Tensor, name: str) -> np.dtype:
    """The dtype to draw in: the tensor's float32 or float64 (float64 for the others)."""
    if not np.issubdtype(tensor.dtype, np.floating):
        raise TypeError(f"{name}: needs a floating-point tensor, got dtype {tensor.dtype}")
    return tensor.dtype if tensor.dtype in (np.float32, np.float64) else np.dtype(np.float64)


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    """Fill with draws from U(a, b) (`tensor.uniform_(a, b)`, outside any graph).

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.init.uniform_(tg.zeros(1000), -1, 1)
    >>> bool(-1 <= w.numpy().min() and w.numpy().max() < 1)
    True
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator=None) -> Tensor:
    """Fill with draws from N(mean, std^2); with the defaults, the article's N(0, 1) init.

    >>> import tinygrad_edu as tg
    >>> _ = tg.manual_seed(0)
    >>> w = tg.nn.init.normal_(tg.zeros(10_000))
    >>> round(float(w.numpy().std()), 1)
    1.0
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros (the usual start for biases)."""
    return _fill(tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return _fill(tensor, 1)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps the signal's variance steady through this nonlinearity
    (PyTorch's table): 1 for linear, convolutions and sigmoid, 5/3 for tanh, sqrt(2) for
    relu, sqrt(2 / (1 + a^2)) for leaky_relu with slope a (0.01 by default), 3/4 for selu."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "selu":
        return 0.75
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"calculate_gain: negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _fans(tensor: Tensor, name: str) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel): inputs and outputs per unit."""
    if tensor.ndim < 2:
        raise ValueError(f"{name}: fan in and fan out need a tensor with at least 2 "
                         f"dimensions, got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor: Tensor, mode: str, name: str) -> int:
    """fan_in or fan_out, as `mode` says (Kaiming's choice: keep the forward signal's
    variance, or the backward gradient's)."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(tensor, name)
    return fan_in if mode == "fan_in" else fan_out


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
    fan = _fan(tensor, mode, "kaiming_uniform_")
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan) if fan else 0.0
    return uniform_(tensor, -bound, bound)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value `val`."""
    return _fill(tensor, val)


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal) in a 2-D tensor: a linear layer that
    passes its input through, as far as the shapes allow.

    >>> import tinygrad_edu as tg
    >>> tg.nn.init.eye_(tg.zeros(2, 3))
    tensor([[1., 0., 0.],
            [0., 1., 0.]])
    """
    if tensor.ndim != 2:
        raise ValueError(f"eye_: only tensors with 2 dimensions are supported, got shape "
                         f"{tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot and Bengio)."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """N(0, std^2) with std = gain / sqrt(fan) (He et al., 2015), fan = fan_in or fan_out.

    >>> import tinygrad_edu as tg
    >>> _ = tg.manual_seed(0)
    >>> w = tg.nn.init.kaiming_normal_(tg.zeros(400, 200), nonlinearity="relu")
    >>> round(float(w.numpy().std() * (200 / 2) ** 0.5), 1)      # std = sqrt(2 / 200)
    1.0
    """
    fan = _fan(tensor, mode, "kaiming_normal_")
    return normal_(tensor, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(fan) if fan else 0)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """N(mean, std^2) restricted to [a, b]: draws outside are drawn again until none is."""
    dtype = _float_dtype(tensor, "trunc_normal_")
    if not a < b or std <= 0:
        raise ValueError(f"trunc_normal_: needs a < b and std > 0, got a={a}, b={b}, "
                         f"std={std}")
    values = np.empty(tensor.shape, dtype=dtype)
    todo = np.ones(tensor.shape, dtype=bool)
    while todo.any():
        values[todo] = mean + std * generator().standard_normal(int(todo.sum()), dtype=dtype)
        todo = (values < a) | (values > b)
    return _fill(tensor, values)


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix (Saxe et al., 2013), from the QR decomposition of a
    Gaussian matrix, with the signs fixed so that the result is uniformly distributed;
    dimensions after the first are flattened.

    >>> import numpy as np, tinygrad_edu as tg
    >>> Q = tg.nn.init.orthogonal_(tg.zeros(3, 5)).numpy()
    >>> bool(np.allclose(Q @ Q.T, np.eye(3), atol=1e-6))
    True
    """
    if tensor.ndim < 2:
        raise ValueError(f"orthogonal_: only tensors with 2 or more dimensions are "
                         f"supported, got shape {tensor.shape}")
    dtype = _float_dtype(tensor, "orthogonal_")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = generator().standard_normal((rows, cols))
    q, r = np.linalg.qr(flat.T if rows < cols else flat)
    q *= np.sign(np.diag(r))                 # the sign fix: Q R with a positive diagonal
    q = q.T if rows < cols else q
    return _fill(tensor, (gain * q).reshape(tensor.shape).astype(dtype))
