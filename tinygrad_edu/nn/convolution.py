"""Convolution and pooling as compositions: windows times filters. No hand-written gradient.

The article's convolution slides a small filter over the image and, at each position, sums
the window times the filter. Written with loops it is slow; written as one matrix product
it is fast. `ops.windows` gives every window at once, as a view of the image of shape
(N, C, OH, OW, KH, KW); laid out as the rows of a matrix (one row per output position, one
column per filter entry, "im2col"), all the sums become one matmul with the filters:

    out[n, o, p, q] = sum_{c, i, j} x[n, c, p sh + i, q sw + j] * w[o, c, i, j]

Pooling is a max or a mean over each window. The gradients come from the chain rule through
the window view (whose adjoint adds the windows back), the reshapes and the matmul.
"""

from __future__ import annotations

import numbers

from .. import ops
from ..tensor import Tensor, as_tensor

Pair = int | tuple[int, int]


def pair(name: str, what: str, value: Pair, least: int) -> tuple[int, int]:
    """An int or a pair of ints (rows, columns), checked, as a pair of Python ints."""
    values = (value, value) if isinstance(value, numbers.Integral) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, numbers.Integral) and v >= least
                                   for v in values):
        raise ValueError(f"{name}: {what} must be an int >= {least} or a pair of them, "
                         f"got {value!r}")
    return int(values[0]), int(values[1])


def _as_batch(name: str, x: Tensor) -> tuple[Tensor, bool]:
    """(N, C, H, W) as it is, or an unbatched (C, H, W) image as a batch of one."""
    if x.ndim not in (3, 4):
        raise ValueError(f"{name}: expected an input of shape (N, C, H, W) or (C, H, W), "
                         f"got shape {x.shape}")
    return (x, False) if x.ndim == 4 else (x.unsqueeze(0), True)


def _check_fits(name: str, kernel: tuple[int, int], size: tuple[int, ...], padded: bool):
    if kernel[0] > size[0] or kernel[1] > size[1]:
        what = "padded input" if padded else "input"
        raise ValueError(f"{name}: kernel {kernel} is larger than the {what} {tuple(size)}")


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: Pair = 1,
           padding: Pair = 0) -> Tensor:
    """2-D convolution (cross-correlation, as in PyTorch) of x (N, C, H, W) with filters
    weight (O, C, KH, KW) and an optional bias (O,): output (N, O, OH, OW) with
    OH = (H + 2 ph - KH) // sh + 1.

    >>> import tinygrad_edu as tg
    >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
    >>> tg.nn.functional.conv2d(x, tg.ones(1, 1, 2, 2)).numpy()[0, 0]
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]], dtype=float32)
    """
    x, weight = as_tensor(x), as_tensor(weight)
    x, unbatched = _as_batch("conv2d", x)
    if weight.ndim != 4:
        raise ValueError(f"conv2d: weight must have shape (O, C, KH, KW), got {weight.shape}")
    out_channels, channels, kh, kw = weight.shape
    if x.shape[1] != channels:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels, weight expects {channels}")
    bias = None if bias is None else as_tensor(bias)
    if bias is not None and bias.shape != (out_channels,):
        raise ValueError(f"conv2d: bias must have shape ({out_channels},), got {bias.shape}")
    stride, padding = pair("conv2d", "stride", stride, 1), pair("conv2d", "padding", padding, 0)
    if padding != (0, 0):
        x = ops.pad(x, padding=padding)
    _check_fits("conv2d", (kh, kw), x.shape[2:], padding != (0, 0))
    cols = ops.windows(x, kernel=(kh, kw), stride=stride)   # (N, C, OH, OW, KH, KW), a view
    n, _, oh, ow, _, _ = cols.shape
    # im2col: one column per output position (n, p, q), one row per filter entry (c, i, j);
    # laid out this way the copy reads whole image rows at a time, which is what makes it fast
    cols = cols.permute(1, 4, 5, 0, 2, 3).reshape(channels * kh * kw, n * oh * ow)
    out = weight.reshape(out_channels, -1) @ cols          # (O, N OH OW): the one matmul
    if bias is not None:
        out = out + bias.reshape(out_channels, 1)
    out = out.reshape(out_channels, n, oh, ow).permute(1, 0, 2, 3)
    return out.squeeze(0) if unbatched else out


def _pool_rows(name: str, x: Tensor, kernel_size: Pair, stride: Pair | None):
    """The windows of x as a (KH KW, N C OH OW) matrix: row k holds entry k of every
    window. Pooling then reduces over the first axis of a contiguous array, which numpy
    does fast (over two tiny trailing axes of the window view it is many times slower)."""
    x, unbatched = _as_batch(name, as_tensor(x))
    kernel = pair(name, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair(name, "stride", stride, 1)
    _check_fits(name, kernel, x.shape[2:], padded=False)
    cols = ops.windows(x, kernel=kernel, stride=stride)   # (N, C, OH, OW, KH, KW), a view
    out_shape = cols.shape[:4]
    rows = cols.permute(4, 5, 0, 1, 2, 3).reshape(kernel[0] * kernel[1], -1)
    return rows, out_shape[1:] if unbatched else out_shape


def max_pool2d(x: Tensor, kernel_size: Pair, stride: Pair | None = None) -> Tensor:
    """The maximum of each (KH, KW) window; stride defaults to the kernel size (windows
    side by side). Tied maxima share the gradient equally.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.max_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2).numpy()[0, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    rows, shape = _pool_rows("max_pool2d", x, kernel_size, stride)
    return rows.amax(dim=0).reshape(shape)


def avg_pool2d(x: Tensor, kernel_size: Pair, stride: Pair | None = None) -> Tensor:
    """The mean of each (KH, KW) window; stride defaults to the kernel size.

    >>> import tinygrad_edu as tg
    >>> tg.nn.functional.avg_pool2d(tg.arange(16.0).reshape(1, 1, 4, 4), 2).numpy()[0, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    rows, shape = _pool_rows("avg_pool2d", x, kernel_size, stride)
    return rows.mean(dim=0).reshape(shape)
