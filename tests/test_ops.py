"""Every primitive, specified once and tested three ways: forward against numpy, gradcheck,
gradgradcheck, by `tg.testing.check_primitive`, the check users run on their own primitives.

`SPECS` holds one or more entries per primitive of `tinygrad_edu.ops`: how to draw its
inputs (domain, shapes, broadcasting pairs for elementwise ops), how to call it, and a numpy
reference for its forward. `test_every_primitive_has_a_spec` finds the primitives by
introspection, so a new primitive without a spec fails the suite. `COMPOSITIONS` does the
same for the functions of nn/functional.py and the Tensor methods built from primitives.
`MATH_SPECS` and `MATH_COMPOSITIONS` do the same for PyTorch's further math (sin ...
einsum), checked on fewer drawn inputs each.

Only the float arrays a spec draws are differentiated; everything else it draws (axes, an
index, a boolean condition, an exponent number) is a parameter. gradcheck weights the
output with a random upstream gradient, never a plain sum (a uniform upstream gradient
would hide a transposed gradient).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import get_type_hints

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.primitive import Primitive
from tinygrad_edu.testing import strategies as tst
from tinygrad_edu.testing.check import check_primitive

F = tg.nn.functional


@dataclass(frozen=True)
class Spec:
    """inputs draws (float arrays, params); call(*tensors, **params) runs the operation;
    reference(*arrays, **params) is numpy's answer; primitive names the op under test."""
    inputs: st.SearchStrategy[tuple[tuple[np.ndarray, ...], dict]]
    call: Callable[..., tg.Tensor]
    reference: Callable[..., np.ndarray]
    primitive: str | None = None


def _no_params(arrays_strategy) -> st.SearchStrategy:
    return arrays_strategy.map(lambda arrays: (tuple(arrays), {}))


def unary(**options) -> st.SearchStrategy:
    return _no_params(tst.arrays(**options).map(lambda x: (x,)))


def binary(**options) -> st.SearchStrategy:
    """Two arrays of mutually broadcastable shapes, e.g. (3, 1) and (2,)."""
    return _no_params(tst.broadcastable_arrays(2, **options))


@st.composite
def divisions(draw):
    x_shape, y_shape = draw(tst.broadcastable_shapes(2))
    return (draw(tst.arrays(x_shape)), draw(tst.arrays(y_shape, away_from=0.0, margin=0.5))), {}


@st.composite
def powers(draw):
    base_shape, exponent_shape = draw(tst.broadcastable_shapes(2))
    return (draw(tst.positive_arrays(base_shape, min_value=0.2, max_value=3.0)),
            draw(tst.arrays(exponent_shape, min_value=-2.0, max_value=2.0))), {}


@st.composite
def powers_by_number(draw):
    """x ** p: any real x for whole p >= 0; positive x for negative or fractional p."""
    p = draw(st.sampled_from([0, 1, 2, 3, -1, 0.5, -1.5, 2.5]))
    whole = isinstance(p, int) and p >= 0
    x = draw(tst.arrays() if whole else tst.positive_arrays(min_value=0.2))
    return (x,), {"p": p}


@st.composite
def number_powers(draw):
    return (draw(tst.arrays(min_value=-3.0, max_value=3.0)),), \
        {"base": draw(st.sampled_from([0.5, 2, 2.5]))}


@st.composite
def wheres(draw):
    c_shape, x_shape, y_shape = draw(tst.broadcastable_shapes(3))
    condition = draw(hnp.arrays(np.bool_, c_shape))
    return draw(tst.array_tuples((x_shape, y_shape))), {"condition": condition}


@st.composite
def axes(draw, ndim: int):
    """None (all axes), or a tuple of distinct axes, some written negatively."""
    if draw(st.booleans()):
        return None
    chosen = draw(st.lists(st.integers(0, max(ndim - 1, 0)), unique=True, max_size=ndim))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


@st.composite
def reductions(draw, distinct: bool = False, min_dims: int = 0, min_side: int = 1,
               **values):
    x = draw(tst.arrays(tst.shapes(min_dims=min_dims, min_side=min_side), distinct=distinct,
                        **values))
    return (x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())}


@st.composite
def reshapes(draw):
    x = draw(tst.arrays())
    size = x.size
    candidates = [(size,), (1,) + x.shape, x.shape + (1,), x.shape[::-1],
                  tuple(n for n in x.shape if n != 1), (size, 1)]
    return (x,), {"shape": draw(st.sampled_from(candidates))}


@st.composite
def permutations(draw):
    x = draw(tst.arrays())
    return (x,), {"axes": tuple(draw(st.permutations(range(x.ndim))))}


@st.composite
def expansions(draw):
    x_shape, other = draw(tst.broadcastable_shapes(2))
    return (draw(tst.arrays(x_shape)),), {"shape": np.broadcast_shapes(x_shape, other)}


@st.composite
def repeated_indices(draw, shape):
    """An integer array index along the first axis with at least one repeat."""
    picks = draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=4))
    return np.array(picks + [picks[0]])


@st.composite
def indices(draw, shape):
    """Slices, integers, Ellipsis and None; integer arrays (repeats included); boolean masks
    over all or the leading axes; a slice mixed with an integer array."""
    kinds = [hnp.basic_indices(shape, allow_newaxis=True),
             hnp.arrays(np.bool_, shape[:draw(st.integers(0, len(shape)))])]
    if shape:
        kinds += [hnp.integer_array_indices(shape), repeated_indices(shape)]
    if len(shape) >= 2:
        kinds.append(repeated_indices(shape[1:]).map(lambda i: (slice(None), i)))
    return draw(st.one_of(kinds))


@st.composite
def getitems(draw):
    x = draw(tst.arrays())
    return (x,), {"index": draw(indices(x.shape))}


@st.composite
def scatter_adds(draw):
    shape = draw(tst.shapes())
    index = draw(indices(shape))
    g_shape = np.zeros(shape)[index].shape
    return (draw(tst.arrays(g_shape)),), {"index": index, "shape": shape}


@st.composite
def setitems(draw):
    """x, an index that selects no entry twice (basic indices, boolean masks), and a value
    of the selected shape or of a shape that broadcasts to it."""
    x = draw(tst.arrays())
    index = draw(st.one_of(hnp.basic_indices(x.shape, allow_newaxis=True),
                           hnp.arrays(np.bool_, x.shape[:draw(st.integers(0, x.ndim))])))
    selected = np.zeros(x.shape)[index].shape
    v = draw(tst.arrays(selected[draw(st.integers(0, len(selected))):]))
    return (x, v), {"index": index}


def assigned(x, v, index):
    """A clone of x with x[index] = v, by item assignment (recorded as `setitem`)."""
    out = x.clone() if isinstance(x, tg.Tensor) else x.copy()
    out[index] = v
    return out


def scatter_add_reference(g, index, shape):
    """Independent of np.add.at: the flat positions that `index` selects, counted by
    bincount with g as weights (a position selected twice receives both values)."""
    size = int(np.prod(shape))
    positions = np.arange(size).reshape(shape)[index]
    return np.bincount(positions.ravel(), weights=g.ravel().astype(np.float64),
                       minlength=size).reshape(shape).astype(g.dtype)


@st.composite
def concatenations(draw, new_axis: bool = False):
    """2 or 3 arrays that agree outside `dim` (or agree fully, for stack)."""
    count = draw(st.integers(2, 3))
    shape = draw(tst.shapes(min_dims=0 if new_axis else 1))
    ndim = len(shape) + (1 if new_axis else 0)
    dim = draw(st.integers(-ndim, ndim - 1))
    shapes = []
    for _ in range(count):
        if new_axis:
            shapes.append(shape)
        else:
            sizes = list(shape)
            sizes[dim] = draw(st.integers(1, 3))
            shapes.append(tuple(sizes))
    return draw(tst.array_tuples(shapes)), {"dim": dim}


@st.composite
def matmul_operands(draw):
    """1-D, 2-D and batched operands on each side, batch axes broadcast against each other."""
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    x_batch, y_batch = draw(tst.broadcastable_shapes(2, max_dims=2))
    x_shape = draw(st.sampled_from([(k,), (n, k), x_batch + (n, k)]))
    y_shape = draw(st.sampled_from([(k,), (k, m), y_batch + (k, m)]))
    return draw(tst.array_tuples((x_shape, y_shape))), {}


@st.composite
def window_sizes(draw):
    """An image size (H, W), a kernel that fits, a stride, and leading (batch) axes."""
    size = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    kernel = (draw(st.integers(1, size[0])), draw(st.integers(1, size[1])))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    lead = draw(tst.shapes(max_dims=2, max_side=2))
    out = tuple((n - k) // s + 1 for n, k, s in zip(size, kernel, stride, strict=True))
    return lead, size, kernel, stride, out


@st.composite
def windowings(draw):
    lead, size, kernel, stride, _ = draw(window_sizes())
    return (draw(tst.arrays(lead + size)),), {"kernel": kernel, "stride": stride}


@st.composite
def window_adds(draw):
    lead, size, kernel, stride, out = draw(window_sizes())
    return (draw(tst.arrays(lead + out + kernel)),), {"size": size, "stride": stride}


def _window_positions(out, kernel, stride):
    """(p, q, i, j) and the image position (p sh + i, q sw + j) that window entry reads."""
    for p, q, i, j in np.ndindex(*out, *kernel):
        yield (p, q, i, j), (p * stride[0] + i, q * stride[1] + j)


def windows_reference(x, kernel, stride):
    out = tuple((n - k) // s + 1 for n, k, s in zip(x.shape[-2:], kernel, stride, strict=True))
    result = np.zeros(x.shape[:-2] + out + kernel, dtype=x.dtype)
    for window, pixel in _window_positions(out, kernel, stride):
        result[(..., *window)] = x[(..., *pixel)]
    return result


def window_add_reference(g, size, stride):
    result = np.zeros(g.shape[:-4] + tuple(size), dtype=g.dtype)
    for window, pixel in _window_positions(g.shape[-4:-2], g.shape[-2:], stride):
        result[(..., *pixel)] += g[(..., *window)]
    return result


@st.composite
def paddings(draw):
    x = draw(tst.arrays(tst.shapes(min_dims=2)))
    return (x,), {"padding": (draw(st.integers(0, 2)), draw(st.integers(0, 2)))}


def pad_reference(x, padding):
    (ph, pw), (h, w) = padding, x.shape[-2:]
    result = np.zeros(x.shape[:-2] + (h + 2 * ph, w + 2 * pw), dtype=x.dtype)
    result[..., ph:ph + h, pw:pw + w] = x
    return result


@st.composite
def linears(draw):
    """x (..., in), weight (out, in) as in PyTorch, and a bias (out,) or none."""
    lead = draw(tst.shapes(max_dims=2))
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shapes = [lead + (n_in,), (n_out, n_in)] + ([(n_out,)] if draw(st.booleans()) else [])
    return draw(tst.array_tuples(shapes)), {}


def linear_reference(x, w, b=None):
    return x @ w.T if b is None else x @ w.T + b


def sigmoid_reference(x):
    return 1 / (1 + np.exp(-x))




# ---------------------------------------------------------------------------------------
# Inputs and references for the compositions (functional.py, Tensor methods)
# ---------------------------------------------------------------------------------------

@st.composite
def dim_reductions(draw, distinct: bool = False):
    """An array of at least one dimension and one `dim` of it (PyTorch style), keepdim."""
    x = draw(tst.arrays(tst.shapes(min_dims=1), distinct=distinct))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1)), "keepdim": draw(st.booleans())}


@st.composite
def variances(draw, distinct: bool = False):
    """Arrays with at least 2 entries along each reduced axis (so that n - 1 > 0)."""
    x = draw(tst.arrays(tst.shapes(min_dims=1, min_side=2, max_side=3), distinct=distinct))
    chosen = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, unique=True))
    return (x,), {"axis": tuple(chosen), "keepdims": draw(st.booleans()),
                  "correction": draw(st.sampled_from([0, 1]))}


@st.composite
def clips(draw):
    """x and bounds drawn distinct, so that no entry of x sits on a bound (a kink)."""
    shape = draw(tst.shapes())
    x, bounds = draw(tst.array_tuples((shape, (2,)), distinct=True))
    low, high = sorted(bounds.tolist())
    which = draw(st.sampled_from(["both", "min", "max"]))
    return (x,), {"min": None if which == "max" else low, "max": None if which == "min" else high}


@st.composite
def with_constant(draw):
    """x and a constant array (no gradient) of a shape that broadcasts with x's."""
    x_shape, c_shape = draw(tst.broadcastable_shapes(2))
    return (draw(tst.arrays(x_shape)),), {"c": draw(tst.arrays(c_shape, away_from=0.0,
                                                               margin=0.5))}


@st.composite
def same_shape_pair(draw, first: dict, second: dict, reduction: str | None = None):
    shape = draw(tst.shapes())
    reduction = reduction or draw(st.sampled_from(["mean", "sum", "none"]))
    return (draw(tst.arrays(shape, **first)), draw(tst.arrays(shape, **second))), \
        {"reduction": reduction}


@st.composite
def classifications(draw, target: str):
    """Scores (N, C), and class indices (N,) or class probabilities (N, C) as targets."""
    n, classes = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    scores = draw(tst.arrays((n, classes)))
    reduction = draw(st.sampled_from(["mean", "sum", "none"]))
    if target == "indices":
        labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
        return (scores,), {"target": labels, "reduction": reduction}
    weights = draw(tst.positive_arrays((n, classes), max_value=1.0))
    return (scores, weights / weights.sum(1, keepdims=True)), {"reduction": reduction}


@st.composite
def class_picks(draw):
    """Rows of scores (N, C), class indices (N,), some of them ignore_index (never the
    first: a mean over no rows is NaN, which the checks refuse), class weights or none,
    label smoothing or none, a reduction."""
    n, classes = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ignore_index = draw(st.sampled_from([-100, classes - 1])) if classes > 1 else -100
    labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    if labels[0] == ignore_index:
        labels[0] = 0
    weight = draw(st.none() | tst.positive_arrays((classes,), min_value=0.5, max_value=2.0))
    return ((draw(tst.arrays((n, classes))),),
            {"y": labels, "weight": weight, "ignore_index": ignore_index,
             "reduction": draw(st.sampled_from(["mean", "sum", "none"])),
             "smoothing": draw(st.sampled_from([0.0, 0.25]))})


def nll_reference(rows, y, weight, ignore_index, reduction, smoothing):
    # -sum_c w_c t_c rows_c with t the one-hot target mixed with the uniform distribution
    classes = rows.shape[1]
    w = np.ones(classes) if weight is None else weight
    kept = y != ignore_index
    picked = np.where(kept, y, 0)
    target = (1 - smoothing) * np.eye(classes)[picked] + smoothing / classes
    losses = np.where(kept, -(target * w * rows).sum(axis=1), 0)
    if reduction == "mean":
        return losses.sum() / (w[picked] * kept).sum()
    return losses.sum() if reduction == "sum" else losses


@st.composite
def flattens(draw):
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    start = draw(st.integers(0, x.ndim - 1))
    end = draw(st.integers(start, x.ndim - 1))
    return (x,), {"start": start - x.ndim * draw(st.integers(0, 1)), "end": end}


@st.composite
def dims(draw, extra: int = 0, min_dims: int = 0):
    """An array and a dimension in [-(ndim + extra), ndim + extra - 1]."""
    x = draw(tst.arrays(tst.shapes(min_dims=max(min_dims, 1 - extra))))
    bound = x.ndim + extra
    return (x,), {"dim": draw(st.integers(-bound, bound - 1))}


@st.composite
def transposes(draw):
    (x,), first = draw(dims())
    return (x,), {"dim0": first["dim"], "dim1": draw(st.integers(-x.ndim, x.ndim - 1))}


@st.composite
def expand_sizes(draw):
    """sizes for x.expand: new leading sizes, -1 to keep a dimension, or a stretched 1."""
    (x,), params = draw(expansions())
    shape, lead = params["shape"], len(params["shape"]) - x.ndim
    sizes = [n if i < lead or x.shape[i - lead] != n or draw(st.booleans()) else -1
             for i, n in enumerate(shape)]
    return (x,), {"sizes": tuple(sizes)}


@st.composite
def tensor_indices(draw):
    """Integer arrays (with repeats) and boolean masks given as Tensors or lists."""
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    index = draw(st.one_of(repeated_indices(x.shape), hnp.arrays(np.bool_, x.shape)))
    as_list = draw(st.booleans())
    return (x,), {"index": index.tolist() if as_list else tg.Tensor(index)}


def lse(x, axis, keepdims=False):
    """numpy's log(sum(exp(x))), by pairwise logaddexp."""
    return np.logaddexp.reduce(x, axis=axis, keepdims=keepdims)


def reduce_as(loss, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](loss)


def log_softmax_reference(x, dim=-1):
    return x - lse(x, dim, keepdims=True)


def cross_entropy_reference(scores, target, reduction):
    log_p = log_softmax_reference(scores)
    if target.ndim == 2:
        return reduce_as(-(target * log_p).sum(1), reduction)
    return reduce_as(-log_p[np.arange(len(target)), target], reduction)


def binary_cross_entropy_reference(p, y, reduction):
    return reduce_as(-(y * np.log(p) + (1 - y) * np.log(1 - p)), reduction)


def constant_operands(x, c):
    """Reflected operators: an ndarray times a Tensor, a number minus a Tensor, ..."""
    return (c * x + 1.5) / (2 + x * x) - c - (0.5 - x) + x / c


def _keep(x, dim):
    return np.squeeze(x, axis=dim) if x.shape[dim] == 1 else x


# ---------------------------------------------------------------------------------------
# Inputs for PyTorch's math surface (sin ... einsum)
# ---------------------------------------------------------------------------------------

@st.composite
def between_jumps(draw, halves: bool = False):
    """Arrays whose entries sit 0.1 or more from every whole number (and from every half,
    with `halves`): floor, ceil, trunc and round are flat there, and finite differences
    do not cross a jump."""
    shape = draw(tst.shapes())
    whole = draw(hnp.arrays(np.float64, shape, elements=st.integers(-4, 4)))
    fraction = draw(tst.arrays(shape, min_value=0.1, max_value=0.9,
                               away_from=0.5 if halves else None, margin=0.1))
    return whole + fraction


@st.composite
def remainders(draw):
    """x % y away from its jumps: x / y at least 0.1 from a whole number, y away from 0."""
    quotient = draw(between_jumps())
    y = draw(tst.arrays(quotient.shape, away_from=0.0, margin=0.5))
    return (quotient * y, y), {}


@st.composite
def roundings(draw):
    """x for round(decimals): a jump-free array scaled by 10^-decimals."""
    decimals = draw(st.sampled_from([0, 1, -1]))
    return (draw(between_jumps(halves=True)) / 10.0 ** decimals,), {"decimals": decimals}


@st.composite
def norms(draw):
    """x away from 0 (|x| has a kink there), axes as for the reductions, and p."""
    x = draw(tst.arrays(away_from=0.0))
    return (x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans()),
                  "p": draw(st.sampled_from([1, 2, 3, 1.5, "fro"]))}


@st.composite
def max_norms(draw):
    """x with distinct |x| away from 0 (the kinks of max |x|), and axes."""
    magnitudes = draw(tst.arrays(min_value=0.1, max_value=8.0, distinct=True))
    signs = draw(hnp.arrays(np.bool_, magnitudes.shape))
    x = np.where(signs, magnitudes, -magnitudes)
    return (x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())}


def norm_reference(x, p, axis, keepdims):
    p = 2 if p == "fro" else p
    return (np.abs(x) ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)


@st.composite
def distinct_dims(draw):
    """An array of distinct values (sorting has a kink where two tie) and a dim of it."""
    x = draw(tst.arrays(tst.shapes(min_dims=1), distinct=True))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))}


@st.composite
def sorts(draw):
    (x,), params = draw(distinct_dims())
    return (x,), {**params, "descending": draw(st.booleans())}


def sort_reference(x, dim, descending):
    ascending = np.sort(x, axis=dim)
    return np.flip(ascending, axis=dim) if descending else ascending


@st.composite
def topks(draw):
    (x,), params = draw(distinct_dims())
    size = x.shape[params["dim"]]
    return (x,), {**params, "k": draw(st.integers(1, size)), "largest": draw(st.booleans())}


def topk_reference(x, dim, k, largest):
    ordered = sort_reference(x, dim, descending=largest)
    return np.take(ordered, range(k), axis=dim)


@st.composite
def gathers(draw):
    """x, a dim and an index of x's ndim, no larger than x outside dim (gather's rule)."""
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    dim = draw(st.integers(0, x.ndim - 1))
    shape = tuple(draw(st.integers(1, 3)) if d == dim else draw(st.integers(1, n))
                  for d, n in enumerate(x.shape))
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[dim] - 1)))
    return x, dim, index


@st.composite
def gather_inputs(draw):
    x, dim, index = draw(gathers())
    return (x,), {"dim": dim, "index": index}


def gather_reference(x, dim, index):
    part = x[tuple(slice(0, n) if d != dim else slice(None) for d, n in enumerate(index.shape))]
    return np.take_along_axis(part, index, axis=dim)


@st.composite
def scatters(draw):
    x, dim, index = draw(gathers())
    return (x, draw(tst.arrays(index.shape))), {"dim": dim, "index": index}


def scatter_reference(x, src, dim, index):
    """One position at a time, in order, so that a repeated position keeps the last."""
    out = x.copy()
    for position in np.ndindex(*index.shape):
        target = list(position)
        target[dim] = index[position]
        out[tuple(target)] = src[position]
    return out


@st.composite
def index_selects(draw):
    (x,), params = draw(dims())
    size = x.shape[params["dim"]]
    index = draw(hnp.arrays(np.int64, draw(st.integers(1, 4)), elements=st.integers(0, size - 1)))
    return (x,), {**params, "index": index}


@st.composite
def masked_fills(draw):
    """x, and a mask of a shape that broadcasts to x's (not beyond it)."""
    x = draw(tst.arrays())
    mask_shape = tuple(n if draw(st.booleans()) else 1 for n in x.shape)
    mask_shape = mask_shape[draw(st.integers(0, x.ndim)):]
    return (x,), {"mask": draw(hnp.arrays(np.bool_, mask_shape)),
                                         "value": draw(st.sampled_from([0.0, -1.5, 2.0]))}


@st.composite
def tensor_clamps(draw):
    """x and tensor bounds (either may be left out), drawn distinct so that x never ties
    with a bound."""
    shapes = draw(tst.broadcastable_shapes(3))
    x, low, high = draw(tst.array_tuples(shapes, distinct=True))
    which = draw(st.sampled_from(["both", "min", "max"]))
    return ((x, low, high) if which == "both" else (x, low) if which == "min" else (x, high)), \
        {"which": which}


def _bounds(bound_a, bound_b, which):
    """(min, max) from the drawn bounds: both, or one of them as min or as max."""
    return (bound_a, bound_b) if which == "both" else \
        (bound_a, None) if which == "min" else (None, bound_a)


def clamp_by(x, bound_a, bound_b=None, *, which):
    low, high = _bounds(bound_a, bound_b, which)
    return x.clamp(min=low, max=high)


def clamp_reference(x, bound_a, bound_b=None, *, which):
    low, high = _bounds(bound_a, bound_b, which)
    x = x if low is None else np.maximum(x, low)
    return x if high is None else np.minimum(x, high)


@st.composite
def alphas(draw):
    (x, y), _ = draw(binary())
    return (x, y), {"alpha": draw(st.sampled_from([1, 2, -0.5]))}


@st.composite
def matrix_products(draw, left: int, right: int):
    """Operands for mm (2, 2), bmm (3, 3), mv (2, 1), dot (1, 1) and outer (1, 1)."""
    b, n, k, m = (draw(st.integers(1, 3)) for _ in range(4))
    shapes = {(2, 2): [(n, k), (k, m)], (3, 3): [(b, n, k), (b, k, m)],
              (2, 1): [(n, k), (k,)], (1, 1): [(k,), (k,)]}[(left, right)]
    return draw(tst.array_tuples(shapes)), {}


EINSUMS = {"ij,jk->ik": [(2, 3), (3, 2)], "bij,bjk->bik": [(2, 2, 3), (2, 3, 1)],
           "ii->": [(3, 3)], "ii->i": [(3, 3)], "ij->ji": [(2, 3)], "i,i->": [(3,), (3,)],
           "i,j->ij": [(2,), (3,)], "ij,j->i": [(2, 3), (3,)], "ijk->j": [(2, 3, 2)],
           "ij,ij->i": [(2, 3), (2, 3)], "ij,jk,kl->il": [(2, 2), (2, 3), (3, 2)],
           "bi,bj->bij": [(2, 2), (2, 3)], "ij,kj": [(2, 3), (2, 3)]}


@st.composite
def einsums(draw):
    equation = draw(st.sampled_from(sorted(EINSUMS)))
    return draw(tst.array_tuples(EINSUMS[equation])), {"equation": equation}


@st.composite
def repeats(draw, tile: bool = False):
    x = draw(tst.arrays())
    count = draw(st.integers(0 if tile else x.ndim, x.ndim + 1))
    return (x,), {"sizes": tuple(draw(st.integers(1, 3)) for _ in range(count))}


@st.composite
def movedims(draw):
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    count = draw(st.integers(1, x.ndim))
    source = draw(st.permutations(range(x.ndim)))[:count]
    target = draw(st.permutations(range(x.ndim)))[:count]
    return (x,), {"source": tuple(source), "destination": tuple(target)}


@st.composite
def rolls(draw):
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    if draw(st.booleans()):
        return (x,), {"shifts": draw(st.integers(-5, 5)), "dims": None}
    dims = tuple(draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=2)))
    return (x,), {"shifts": tuple(draw(st.integers(-5, 5)) for _ in dims), "dims": dims}


@st.composite
def flips(draw):
    x = draw(tst.arrays(tst.shapes(min_dims=1)))
    return (x,), {"dims": tuple(draw(st.lists(st.integers(0, x.ndim - 1), unique=True)))}


@st.composite
def narrows(draw):
    (x,), params = draw(dims())
    size = x.shape[params["dim"]]
    start = draw(st.integers(0, size - 1))
    return (x,), {**params, "start": start, "length": draw(st.integers(0, size - start))}


@st.composite
def chunks(draw):
    (x,), params = draw(dims())
    return (x,), {**params, "chunks": draw(st.integers(1, 4))}


def reversed_chunks(x, dim, chunks):
    """The chunks joined in reverse order: every piece's values and gradient matter."""
    return tg.cat(x.chunk(chunks, dim)[::-1], dim)


def reversed_chunks_reference(x, dim, chunks):
    size = -(-x.shape[dim] // chunks)
    pieces = [np.take(x, range(s, min(s + size, x.shape[dim])), axis=dim)
              for s in range(0, x.shape[dim], size)]
    return np.concatenate(pieces[::-1], axis=dim)


@st.composite
def unflattens(draw):
    (x,), params = draw(dims())
    size = x.shape[params["dim"]]
    sizes = draw(st.sampled_from([(size,), (1, size), (size, 1), (-1, 1), (1, -1)]))
    return (x,), {**params, "sizes": sizes}


# ---------------------------------------------------------------------------------------
# The tables: one or more specs per primitive, then the compositions
# ---------------------------------------------------------------------------------------

SPECS: dict[str, Spec] = {
    "add": Spec(binary(), lambda x, y: x + y, np.add, "add"),
    "sub": Spec(binary(), lambda x, y: x - y, np.subtract, "sub"),
    "mul": Spec(binary(), lambda x, y: x * y, np.multiply, "mul"),
    "div": Spec(divisions(), lambda x, y: x / y, np.divide, "div"),
    "remainder": Spec(remainders(), lambda x, y: x % y, np.remainder, "remainder"),
    "neg": Spec(unary(), lambda x: -x, np.negative, "neg"),
    "pow tensor ** tensor": Spec(powers(), lambda x, y: x ** y, np.power, "pow"),
    "pow tensor ** number": Spec(powers_by_number(), lambda x, p: x ** p,
                                 lambda x, p: np.power(x, p), "pow"),
    "pow number ** tensor": Spec(number_powers(), lambda y, base: base ** y,
                                 lambda y, base: np.power(base, y), "pow"),
    "exp": Spec(unary(), lambda x: x.exp(), np.exp, "exp"),
    "log": Spec(_no_params(tst.positive_arrays().map(lambda x: (x,))), lambda x: x.log(),
                np.log, "log"),
    "abs": Spec(unary(away_from=0.0), lambda x: x.abs(), np.abs, "abs"),
    "tanh": Spec(unary(), lambda x: x.tanh(), np.tanh, "tanh"),
    "erf": Spec(unary(min_value=-5.0, max_value=5.0), lambda x: ops.erf(x),
                lambda x: np.vectorize(math.erf, otypes=[x.dtype])(x), "erf"),
    "sigmoid": Spec(unary(min_value=-10.0, max_value=10.0), lambda x: x.sigmoid(),
                    sigmoid_reference, "sigmoid"),
    "relu": Spec(unary(away_from=0.0), lambda x: x.relu(), lambda x: np.maximum(x, 0),
                 "relu"),
    "softplus": Spec(unary(min_value=-30.0, max_value=30.0), lambda x: x.softplus(),
                     lambda x: np.logaddexp(0, x), "softplus"),
    "maximum": Spec(binary(distinct=True), tg.maximum, np.maximum, "maximum"),
    "where": Spec(wheres(), lambda x, y, condition: tg.where(condition, x, y),
                  lambda x, y, condition: np.where(condition, x, y), "where"),
    "copy": Spec(unary(), lambda x: x.clone(), np.copy, "copy"),
    "cast": Spec(unary().map(lambda drawn: (drawn[0], {"dtype": np.longdouble})),
                 lambda x, dtype: ops.cast(x, dtype=dtype),
                 lambda x, dtype: x.astype(dtype), "cast"),
    "sum": Spec(reductions(), lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
                np.sum, "sum"),
    "max": Spec(reductions(distinct=True),
                lambda x, axis, keepdims: x.max(axis=axis, keepdims=keepdims), np.max, "max"),
    "reshape": Spec(reshapes(), lambda x, shape: ops.reshape(x, shape=shape),
                    lambda x, shape: np.reshape(x, shape), "reshape"),
    "permute": Spec(permutations(), lambda x, axes: ops.permute(x, axes=axes), np.transpose,
                    "permute"),
    "expand": Spec(expansions(), lambda x, shape: ops.expand(x, shape=shape),
                   np.broadcast_to, "expand"),
    "getitem": Spec(getitems(), lambda x, index: x[index], lambda x, index: x[index],
                    "getitem"),
    "scatter_add": Spec(scatter_adds(),
                        lambda g, index, shape: ops.scatter_add(g, index=index, shape=shape),
                        scatter_add_reference, "scatter_add"),
    "setitem": Spec(setitems(), assigned, assigned, "setitem"),
    "nll": Spec(class_picks(), lambda rows, y, weight, ignore_index, reduction, smoothing:
                ops.nll(rows, tg.tensor(y), None if weight is None else tg.tensor(weight),
                        ignore_index=ignore_index, reduction=reduction, name="nll",
                        smoothing=smoothing), nll_reference, "nll"),
    "cat": Spec(concatenations(), lambda *xs, dim: tg.cat(xs, dim),
                lambda *xs, dim: np.concatenate(xs, axis=dim), "cat"),
    "matmul": Spec(matmul_operands(), lambda x, y: x @ y, np.matmul, "matmul"),
    "linear": Spec(linears(), tg.nn.functional.linear, linear_reference, "linear"),
    "binary_cross_entropy": Spec(
        # targets inside (0, 1): gradcheck steps the target too, and targets outside
        # [0, 1] are refused, as PyTorch refuses them
        same_shape_pair({"min_value": 0.05, "max_value": 0.95},
                        {"min_value": 0.05, "max_value": 0.95}, reduction="none"),
        F.binary_cross_entropy, lambda p, y, reduction: binary_cross_entropy_reference(
            p, y, reduction), "binary_cross_entropy"),
    "log_softmax": Spec(dims(), lambda x, dim: x.log_softmax(dim), log_softmax_reference,
                        "log_softmax"),
    "binary_cross_entropy_with_logits (none)": Spec(
        same_shape_pair({}, {"min_value": 0.0, "max_value": 1.0}, reduction="none"),
        F.binary_cross_entropy_with_logits,
        lambda z, y, reduction: np.logaddexp(0, z) - z * y, "binary_cross_entropy_with_logits"),
    "windows": Spec(windowings(), lambda x, kernel, stride: ops.windows(
        x, kernel=kernel, stride=stride), windows_reference, "windows"),
    "window_add": Spec(window_adds(), lambda g, size, stride: ops.window_add(
        g, size=size, stride=stride), window_add_reference, "window_add"),
    "pad": Spec(paddings(), lambda x, padding: ops.pad(x, padding=padding), pad_reference,
                "pad"),
}


COMPOSITIONS: dict[str, Spec] = {
    "clip": Spec(clips(), lambda x, min, max: x.clip(min, max),
                 lambda x, min, max: np.clip(x, -np.inf if min is None else min,
                                             np.inf if max is None else max)),
    "sqrt": Spec(_no_params(tst.positive_arrays().map(lambda x: (x,))), lambda x: x.sqrt(),
                 np.sqrt),
    "minimum": Spec(binary(distinct=True), tg.minimum, np.minimum),
    "constant operands": Spec(with_constant(), constant_operands, constant_operands),
    "mean": Spec(reductions(), lambda x, axis, keepdims: x.mean(axis=axis, keepdims=keepdims),
                 np.mean),
    "mean(dim, keepdim)": Spec(dim_reductions(), lambda x, dim, keepdim: x.mean(dim, keepdim),
                               lambda x, dim, keepdim: np.mean(x, dim, keepdims=keepdim)),
    "var": Spec(variances(), lambda x, axis, keepdims, correction: x.var(
        axis=axis, keepdims=keepdims, correction=correction),
        lambda x, axis, keepdims, correction: np.var(x, axis, ddof=correction,
                                                     keepdims=keepdims)),
    "std": Spec(variances(distinct=True), lambda x, axis, keepdims, correction: x.std(
        axis=axis, keepdims=keepdims, correction=correction),
        lambda x, axis, keepdims, correction: np.std(x, axis, ddof=correction,
                                                     keepdims=keepdims)),
    "min": Spec(reductions(distinct=True), lambda x, axis, keepdims: x.min(
        axis=axis, keepdims=keepdims), np.min),
    "min(dim).values": Spec(dim_reductions(distinct=True), lambda x, dim, keepdim: x.min(
        dim, keepdim).values, lambda x, dim, keepdim: np.min(x, dim, keepdims=keepdim)),
    "max(dim).values": Spec(dim_reductions(distinct=True), lambda x, dim, keepdim: x.max(
        dim, keepdim).values, lambda x, dim, keepdim: np.max(x, dim, keepdims=keepdim)),
    "amin": Spec(dim_reductions(distinct=True), lambda x, dim, keepdim: x.amin(dim, keepdim),
                 lambda x, dim, keepdim: np.min(x, dim, keepdims=keepdim)),
    "logsumexp": Spec(dim_reductions(), lambda x, dim, keepdim: x.logsumexp(dim, keepdim),
                      lambda x, dim, keepdim: lse(x, dim, keepdim)),
    "softmax": Spec(dims(), lambda x, dim: x.softmax(dim),
                    lambda x, dim: np.exp(log_softmax_reference(x, dim))),
    "mse_loss": Spec(same_shape_pair({}, {}), F.mse_loss,
                     lambda x, t, reduction: reduce_as((x - t) ** 2, reduction)),
    "binary_cross_entropy": Spec(
        same_shape_pair({"min_value": 0.05, "max_value": 0.95},
                        {"min_value": 0.05, "max_value": 0.95}),
        F.binary_cross_entropy, binary_cross_entropy_reference),
    "binary_cross_entropy_with_logits": Spec(
        same_shape_pair({}, {"min_value": 0.0, "max_value": 1.0}),
        F.binary_cross_entropy_with_logits,
        lambda z, y, reduction: reduce_as(np.logaddexp(0, z) - z * y, reduction)),
    "nll_loss": Spec(classifications("indices"), F.nll_loss,
                     lambda x, target, reduction: reduce_as(
                         -x[np.arange(len(target)), target], reduction)),
    "cross_entropy(indices)": Spec(classifications("indices"), F.cross_entropy,
                                   cross_entropy_reference),
    "cross_entropy(probabilities)": Spec(classifications("probabilities"), F.cross_entropy,
                                         cross_entropy_reference),
    "stack": Spec(concatenations(new_axis=True), lambda *xs, dim: tg.stack(xs, dim),
                  lambda *xs, dim: np.stack(xs, axis=dim)),
    "getitem(Tensor or list index)": Spec(tensor_indices(), lambda x, index: x[index],
                                          lambda x, index: x[np.asarray(index)]),
    "ndarray @ Tensor": Spec(matmul_operands().map(lambda d: (d[0][1:], {"a": d[0][0]})),
                             lambda y, a: a @ y, lambda y, a: a @ y),
    "reshape(-1)": Spec(reshapes(), lambda x, shape: x.reshape(-1, *shape[1:]),
                        lambda x, shape: np.reshape(x, (-1, *shape[1:]))),
    "flatten": Spec(flattens(), lambda x, start, end: x.flatten(start, end),
                    lambda x, start, end: x.reshape(
                        x.shape[:start % x.ndim] + (-1,) + x.shape[end + 1:])),
    "squeeze(dim)": Spec(dims(), lambda x, dim: x.squeeze(dim), _keep),
    "squeeze()": Spec(unary(), lambda x: x.squeeze(), np.squeeze),
    "unsqueeze": Spec(dims(extra=1), lambda x, dim: x.unsqueeze(dim),
                      lambda x, dim: np.expand_dims(x, dim)),
    "permute(method)": Spec(permutations(), lambda x, axes: x.permute(*axes), np.transpose),
    "transpose": Spec(transposes(), lambda x, dim0, dim1: x.transpose(dim0, dim1),
                      lambda x, dim0, dim1: np.swapaxes(x, dim0, dim1)),
    "T": Spec(unary(), lambda x: x.T, np.transpose),
    "mT": Spec(_no_params(tst.arrays(tst.shapes(min_dims=2)).map(lambda x: (x,))),
               lambda x: x.mT, lambda x: np.swapaxes(x, -1, -2)),
    "expand(sizes)": Spec(expand_sizes(), lambda x, sizes: x.expand(*sizes),
                          lambda x, sizes: np.broadcast_to(
                              x, [x.shape[i - len(sizes) + x.ndim] if n == -1 else n
                                  for i, n in enumerate(sizes)])),
}

# ---------------------------------------------------------------------------------------
# The tables, continued: PyTorch's math surface (x.sin(), x.cumsum(0), tg.einsum, ...)
# ---------------------------------------------------------------------------------------

def _in(low: float, high: float) -> st.SearchStrategy:
    return unary(min_value=low, max_value=high)


MATH_SPECS: dict[str, Spec] = {
    "sin": Spec(unary(), lambda x: x.sin(), np.sin, "sin"),
    "cos": Spec(unary(), lambda x: x.cos(), np.cos, "cos"),
    "tan": Spec(_in(-1.3, 1.3), lambda x: x.tan(), np.tan, "tan"),
    "asin": Spec(_in(-0.9, 0.9), lambda x: x.asin(), np.arcsin, "asin"),
    "acos": Spec(_in(-0.9, 0.9), lambda x: x.acos(), np.arccos, "acos"),
    "atan": Spec(unary(), lambda x: x.atan(), np.arctan, "atan"),
    "atan2": Spec(binary(away_from=0.0, margin=0.5), lambda y, x: y.atan2(x), np.arctan2,
                  "atan2"),
    "sinh": Spec(unary(), lambda x: x.sinh(), np.sinh, "sinh"),
    "cosh": Spec(unary(), lambda x: x.cosh(), np.cosh, "cosh"),
    "log1p": Spec(_in(-0.9, 5.0), lambda x: x.log1p(), np.log1p, "log1p"),
    "expm1": Spec(unary(), lambda x: x.expm1(), np.expm1, "expm1"),
    "log2": Spec(_no_params(tst.positive_arrays().map(lambda x: (x,))), lambda x: x.log2(),
                 np.log2, "log2"),
    "log10": Spec(_no_params(tst.positive_arrays().map(lambda x: (x,))), lambda x: x.log10(),
                  np.log10, "log10"),
    "sign": Spec(unary(away_from=0.0), lambda x: x.sign(), np.sign, "sign"),
    "floor": Spec(_no_params(between_jumps().map(lambda x: (x,))), lambda x: x.floor(),
                  np.floor, "floor"),
    "ceil": Spec(_no_params(between_jumps().map(lambda x: (x,))), lambda x: x.ceil(),
                 np.ceil, "ceil"),
    "trunc": Spec(_no_params(between_jumps().map(lambda x: (x,))), lambda x: x.trunc(),
                  np.trunc, "trunc"),
    "round": Spec(roundings(), lambda x, decimals: x.round(decimals),
                  lambda x, decimals: np.round(x, decimals), "round"),
    "cumsum": Spec(dims(), lambda x, dim: x.cumsum(dim), lambda x, dim: np.cumsum(x, dim),
                   "cumsum"),
}

MATH_COMPOSITIONS: dict[str, Spec] = {
    "rsqrt": Spec(_no_params(tst.positive_arrays().map(lambda x: (x,))), lambda x: x.rsqrt(),
                  lambda x: 1 / np.sqrt(x)),
    "reciprocal": Spec(unary(away_from=0.0, margin=0.5), lambda x: x.reciprocal(),
                       lambda x: 1 / x),
    "frac": Spec(_no_params(between_jumps().map(lambda x: (x,))), lambda x: x.frac(),
                 lambda x: x - np.trunc(x)),
    "add(alpha)": Spec(alphas(), lambda x, y, alpha: x.add(y, alpha=alpha),
                       lambda x, y, alpha: x + alpha * y),
    "sub(alpha)": Spec(alphas(), lambda x, y, alpha: tg.sub(x, y, alpha=alpha),
                       lambda x, y, alpha: x - alpha * y),
    "div": Spec(divisions(), lambda x, y: tg.div(x, y), np.divide),
    "clamp(tensor bounds)": Spec(tensor_clamps(), clamp_by, clamp_reference),
    # |x| <= 1.5: a product of 27 entries of up to 5 is so large that finite differences'
    # own error (its third derivatives times eps^2) passes the tolerance
    "prod": Spec(reductions(min_value=-1.5, max_value=1.5),
                 lambda x, axis, keepdims: x.prod(axis=axis, keepdims=keepdims), np.prod),
    "cumprod": Spec(dims(), lambda x, dim: x.cumprod(dim), lambda x, dim: np.cumprod(x, dim)),
    "norm": Spec(norms(), lambda x, p, axis, keepdims: x.norm(p, axis, keepdims),
                 norm_reference),
    "norm(inf)": Spec(max_norms(), lambda x, axis, keepdims: tg.norm(
        x, float("inf"), axis, keepdims), lambda x, axis, keepdims: np.max(
        np.abs(x), axis=axis, keepdims=keepdims)),
    "sort": Spec(sorts(), lambda x, dim, descending: x.sort(dim, descending).values,
                 sort_reference),
    "topk": Spec(topks(), lambda x, dim, k, largest: tg.topk(x, k, dim, largest).values,
                 topk_reference),
    "gather": Spec(gather_inputs(), lambda x, dim, index: tg.gather(x, dim, tg.tensor(index)),
                   gather_reference),
    "scatter": Spec(scatters(), lambda x, src, dim, index: x.scatter(dim, index, src),
                    scatter_reference),
    "index_select": Spec(index_selects(), lambda x, dim, index: x.index_select(dim, index),
                         lambda x, dim, index: np.take(x, index, axis=dim)),
    "masked_fill": Spec(masked_fills(), lambda x, mask, value: x.masked_fill(mask, value),
                        lambda x, mask, value: np.where(mask, value, x)),
    "mm": Spec(matrix_products(2, 2), tg.mm, np.matmul),
    "bmm": Spec(matrix_products(3, 3), tg.bmm, np.matmul),
    "mv": Spec(matrix_products(2, 1), tg.mv, np.matmul),
    "dot": Spec(matrix_products(1, 1), tg.dot, np.dot),
    "outer": Spec(matrix_products(1, 1), tg.outer, np.outer),
    "einsum": Spec(einsums(), lambda *xs, equation: tg.einsum(equation, *xs),
                   lambda *xs, equation: np.einsum(equation, *xs)),
    "repeat": Spec(repeats(), lambda x, sizes: x.repeat(*sizes),
                   lambda x, sizes: np.tile(x, sizes)),
    "tile": Spec(repeats(tile=True), lambda x, sizes: tg.tile(x, sizes),
                 lambda x, sizes: np.tile(x, sizes)),
    "movedim": Spec(movedims(), tg.movedim,
                    lambda x, source, destination: np.moveaxis(x, source, destination)),
    "roll": Spec(rolls(), lambda x, shifts, dims: x.roll(shifts, dims),
                 lambda x, shifts, dims: np.roll(x, shifts, dims)),
    "flip": Spec(flips(), lambda x, dims: x.flip(dims), lambda x, dims: np.flip(x, dims)),
    "narrow": Spec(narrows(), lambda x, dim, start, length: x.narrow(dim, start, length),
                   lambda x, dim, start, length: np.take(x, range(start, start + length),
                                                         axis=dim)),
    "chunk": Spec(chunks(), reversed_chunks, reversed_chunks_reference),
    "unflatten": Spec(unflattens(), lambda x, dim, sizes: x.unflatten(dim, sizes),
                      lambda x, dim, sizes: x.reshape(
                          x.shape[:dim % x.ndim] + tuple(sizes) + x.shape[dim % x.ndim + 1:])),
    "t": Spec(_no_params(tst.arrays(tst.shapes(max_dims=2)).map(lambda x: (x,))),
              lambda x: x.t(), np.transpose),
}

# Primitives without a gradient (comparisons, logic, softmax's shift): their forward against
# numpy, a constant even where the inputs require grad. Ties are likely on purpose (values
# drawn from a few integers), so that == and <= meet equal entries.
def small_integers_pair() -> st.SearchStrategy:
    return tst.broadcastable_shapes(2).flatmap(lambda shapes: st.tuples(*(
        hnp.arrays(np.float64, shape, elements=st.integers(-2, 2).map(float))
        for shape in shapes)))


def booleans_pair() -> st.SearchStrategy:
    return tst.broadcastable_shapes(2).flatmap(lambda shapes: st.tuples(*(
        hnp.arrays(np.bool_, shape) for shape in shapes)))


NO_GRADIENT_SPECS: dict[str, tuple[st.SearchStrategy, Callable, Callable]] = {
    "eq": (small_integers_pair(), lambda x, y: x == y, np.equal),
    "ne": (small_integers_pair(), lambda x, y: x != y, np.not_equal),
    "lt": (small_integers_pair(), lambda x, y: x < y, np.less),
    "le": (small_integers_pair(), lambda x, y: x <= y, np.less_equal),
    "gt": (small_integers_pair(), lambda x, y: x > y, np.greater),
    "ge": (small_integers_pair(), lambda x, y: x >= y, np.greater_equal),
    "bitwise_and": (booleans_pair(), lambda x, y: x & y, np.bitwise_and),
    "bitwise_or": (booleans_pair(), lambda x, y: x | y, np.bitwise_or),
    "invert": (booleans_pair(), lambda x, y: ~x, lambda x, y: np.invert(x)),
    # softmax's and logsumexp's shift: the maximum along the last axis, 0 where not finite
    "max_shift": (hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                             elements=st.sampled_from([-2.0, 0.0, 1.0, -np.inf])).map(
                      lambda x: (x,)),
                  lambda x: ops.max_shift(x, axis=x.ndim - 1),
                  lambda x: np.where(np.isfinite(m := x.max(-1, keepdims=True)), m, 0)),
    # dropout's factors, seeded: 0 where the draw is below p = 0.25, else 1 / (1 - p)
    "dropout_scale": (hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3),
                                 elements=st.floats(-2, 2, width=32)).map(lambda x: (x,)),
                      lambda x: (tg.manual_seed(7), ops.dropout_scale(x, p=0.25))[1],
                      lambda x: np.where(np.random.default_rng(7).random(x.shape) < 0.25, 0,
                                         np.float32(1 / 0.75)).astype(np.float32)),
    # F.one_hot's rows: a 1 where the class number equals the label
    "one_hot": (hnp.arrays(np.int64, hnp.array_shapes(min_dims=0, max_dims=2, max_side=4),
                           elements=st.integers(0, 3)).map(lambda x: (x,)),
                lambda x: ops.one_hot(x, num_classes=4),
                lambda x: (x[..., None] == np.arange(4)).astype(np.int64)),
}


@pytest.mark.parametrize("name", NO_GRADIENT_SPECS)
def test_primitives_without_a_gradient_give_constants(name):
    strategy, call, reference = NO_GRADIENT_SPECS[name]

    @given(strategy)
    def check(arrays):
        floats = all(a.dtype.kind == "f" for a in arrays)
        tensors = [tg.tensor(a, requires_grad=floats) for a in arrays]
        out, expected = call(*tensors), reference(*arrays)
        np.testing.assert_array_equal(out.numpy(), expected)
        assert out.dtype == expected.dtype and not out.requires_grad and out.node is None
    check()


CASES = {**SPECS, **COMPOSITIONS}
MATH_CASES = {**MATH_SPECS, **MATH_COMPOSITIONS}


def primitive_names() -> set[str]:
    """The names of all primitives in ops.py: the Primitive objects, and the primitives
    that factories such as `cat(n)` (functions annotated to return a Primitive) build."""
    names = set()
    for value in vars(ops).values():
        if isinstance(value, Primitive):
            names.add(value.name)
        elif callable(value) and getattr(value, "__module__", None) == ops.__name__:
            function = inspect.unwrap(value)
            if get_type_hints(function).get("return") is Primitive:
                names.add(value(2).name)
    return names


def test_every_primitive_has_a_spec():
    names = primitive_names()
    assert {"add", "matmul", "getitem", "cat"} <= names  # the introspection sees them
    specified = {spec.primitive for spec in (*SPECS.values(), *MATH_SPECS.values())}
    specified |= set(NO_GRADIENT_SPECS)
    assert names - specified == set(), f"primitives without a spec: {names - specified}"
    assert specified - names == set(), f"specs of unknown primitives: {specified - names}"


def recorded_by(primitive: str, call: Callable[..., tg.Tensor]) -> Callable[..., tg.Tensor]:
    """`call`, checking that a result in a graph was made by the primitive its spec is for
    (so that a spec cannot test a composition in the primitive's place)."""
    def checked(*xs, **params):
        out = call(*xs, **params)
        if out.requires_grad:
            assert out.node is not None and out.node.op.name == primitive, \
                f"the spec of {primitive} recorded {out.node}"
        return out
    return checked


def check_case(name: str, spec: Spec, max_examples: int | None = None) -> None:
    """check_primitive, as users run it: the forward against numpy (shape, dtype, values;
    in float32 and float64), gradcheck with a random upstream gradient v and random
    directions u, and gradgradcheck, the same for x -> J(x)^T v (second derivatives)."""
    call = spec.call if spec.primitive is None else recorded_by(spec.primitive, spec.call)
    check_primitive(call, inputs=spec.inputs, reference=spec.reference,
                    dtypes=(np.float32, np.float64), max_examples=max_examples, name=name)


@pytest.mark.parametrize("name", CASES)
def test_forward_gradcheck_gradgradcheck(name):
    check_case(name, CASES[name])


# PyTorch's math surface: the same checks on fewer drawn inputs (most of these entries are
# simple compositions), to keep their share of CI's time small
@pytest.mark.parametrize("name", MATH_CASES)
def test_math_surface_forward_gradcheck_gradgradcheck(name):
    check_case(name, MATH_CASES[name], max_examples=20)


# ---------------------------------------------------------------------------------------
# The conventions at kinks and ties, which the drawn inputs above stay away from
# ---------------------------------------------------------------------------------------

def test_ties_share_the_gradient_evenly():
    x = tg.tensor([1.0, 3.0, 3.0], requires_grad=True)
    y = tg.tensor([1.0, 0.0, 5.0], requires_grad=True)
    (x.max() + tg.maximum(x, y).sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 1.5, 0.5])  # max: 1/2 to each 3
    np.testing.assert_array_equal(y.grad.numpy(), [0.5, 0.0, 1.0])  # maximum: 1/2 on x == y


def test_relu_abs_and_clip_at_their_kinks():
    x = tg.tensor([0.0, -1.0, 2.0], requires_grad=True)
    (x.relu() + x.abs() + x.clip(0.0, 2.0)).sum().backward()
    # relu'(0) = 0 and abs'(0) = 0 as in PyTorch; clip passes the gradient on its bounds
    np.testing.assert_array_equal(x.grad.numpy(), [0 + 0 + 1, 0 - 1 + 0, 1 + 1 + 1])


@given(dim_reductions(distinct=True))
def test_max_and_min_with_dim_return_values_and_indices(drawn):
    (x,), params = drawn
    dim, keepdim = params["dim"], params["keepdim"]
    for method, value, index in ((tg.Tensor.max, np.max, np.argmax),
                                 (tg.Tensor.min, np.min, np.argmin)):
        values, indices = method(tg.Tensor(x), dim, keepdim)
        np.testing.assert_array_equal(values.numpy(), value(x, dim, keepdims=keepdim))
        np.testing.assert_array_equal(indices.numpy(), index(x, dim, keepdims=keepdim))


@pytest.mark.parametrize("m, n", [(2, 7), (7, 2), (3, 3)])
def test_matmul_gradient_in_both_blas_orientations(m, n):
    # x @ y's gradient for x is computed as g @ y^T or as (y @ g^T)^T, whichever operand
    # has more rows: both must give the same first and second derivatives
    rng = np.random.default_rng(m * 10 + n)
    x, y = rng.standard_normal((m, 5)), rng.standard_normal((5, n))
    assert tg.gradcheck(lambda a, b: a @ b, [x, y])
    assert tg.gradgradcheck(lambda a, b: a @ b, [x, y])
