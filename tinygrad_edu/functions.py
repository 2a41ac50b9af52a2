"""PyTorch's top-level math and shape functions: `tg.sin(x)`, `tg.max(x, 1)`, `tg.einsum`.

Each function here is the Tensor method of the same name, called on its first argument
(made a tensor if it is a list or an array), with the method's arguments: `tg.sum(x, 1)`
is `x.sum(1)`, `tg.gather(x, 1, i)` is `x.gather(1, i)`. So the reductions take PyTorch's
`dim`/`keepdim` and numpy's `axis`/`keepdims` alike, and what a method says about its
gradient holds for its function. `einsum` has no method; it is a composition of
permutes, reshapes, sums and one matrix product per pair of operands.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([[1.0, 5.0], [4.0, 2.0]])
>>> tg.max(x, 1).values, tg.argmax(x, dim=0), tg.sum(x, axis=1, keepdims=True).shape
(tensor([5., 4.]), tensor([1, 0]), (2, 1))
>>> tg.einsum("ij,jk->ik", x, x)
tensor([[21., 15.],
        [12., 24.]])
"""

from __future__ import annotations

import builtins
import math
import string
from collections.abc import Callable

import numpy as np

from .tensor import Tensor, as_tensor


def _method(name: str) -> Callable[..., Tensor]:
    """The top-level form of `Tensor.<name>`: the method called on the first argument."""
    method = getattr(Tensor, name)

    def function(input, *args, **kwargs):
        return method(as_tensor(input), *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`tg.{name}(x, ...)` is `x.{name}(...)`: " + (method.__doc__ or name)
    return function


# elementwise
sin, cos, tan = _method("sin"), _method("cos"), _method("tan")
asin, acos, atan, atan2 = _method("asin"), _method("acos"), _method("atan"), _method("atan2")
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
sinh, cosh = _method("sinh"), _method("cosh")
exp, log, log1p, expm1 = _method("exp"), _method("log"), _method("log1p"), _method("expm1")
log2, log10 = _method("log2"), _method("log10")
sqrt, rsqrt, reciprocal, square = (_method("sqrt"), _method("rsqrt"), _method("reciprocal"),
                                   _method("square"))
abs, sign, neg, negative = _method("abs"), _method("sign"), _method("neg"), _method("negative")
floor, ceil, round, trunc = _method("floor"), _method("ceil"), _method("round"), _method("trunc")
frac, fix = _method("frac"), _method("fix")
clamp = clip = _method("clamp")
add, sub, subtract = _method("add"), _method("sub"), _method("subtract")
mul, multiply, pow = _method("mul"), _method("multiply"), _method("pow")
div, divide, true_divide = _method("div"), _method("divide"), _method("true_divide")
remainder = _method("remainder")

# reductions, scans, sorting
sum, mean, prod = _method("sum"), _method("mean"), _method("prod")
cumsum, cumprod = _method("cumsum"), _method("cumprod")
std, var, norm = _method("std"), _method("var"), _method("norm")
max, min = _method("max"), _method("min")  # max(x), max(x, dim), max(x, other)
amax, amin, argmax, argmin = _method("amax"), _method("amin"), _method("argmax"), _method("argmin")
topk, sort, argsort = _method("topk"), _method("sort"), _method("argsort")

# matrix products
mm, bmm, mv, dot = _method("mm"), _method("bmm"), _method("mv"), _method("dot")
outer, inner, ger = _method("outer"), _method("inner"), _method("ger")

# comparisons and logic (no gradient)
eq, ne, lt, le, gt, ge = (_method("eq"), _method("ne"), _method("lt"), _method("le"),
                          _method("gt"), _method("ge"))
greater, greater_equal, less, less_equal, not_equal = (
    _method("greater"), _method("greater_equal"), _method("less"), _method("less_equal"),
    _method("not_equal"))
equal, isclose, allclose = _method("equal"), _method("isclose"), _method("allclose")
logical_and, logical_or = _method("logical_and"), _method("logical_or")
logical_xor, logical_not = _method("logical_xor"), _method("logical_not")
any, all, nonzero, unique = _method("any"), _method("all"), _method("nonzero"), _method("unique")

# shapes and picking
reshape, flatten, unflatten = _method("reshape"), _method("flatten"), _method("unflatten")
squeeze, unsqueeze, t = _method("squeeze"), _method("unsqueeze"), _method("t")
transpose, swapaxes, permute = _method("transpose"), _method("swapaxes"), _method("permute")
movedim = moveaxis = _method("movedim")
tile, roll, flip = _method("tile"), _method("roll"), _method("flip")
chunk, split, narrow = _method("chunk"), _method("split"), _method("narrow")
gather, scatter, index_select = _method("gather"), _method("scatter"), _method("index_select")
masked_fill, clone, numel = _method("masked_fill"), _method("clone"), _method("numel")


# ---------------------------------------------------------------------------------------
# einsum
# ---------------------------------------------------------------------------------------

def einsum(equation: str, *operands) -> Tensor:
    """Einstein summation: `"ij,jk->ik"` is a matrix product, `"bij,bjk->bik"` a batch of
    them, `"ii->"` a trace, `"ij->ji"` a transpose, `"i,i->"` a dot product, `"i,j->ij"`
    an outer product. Each operand's own repeated letters are first reduced to a diagonal,
    the letters no one else needs are summed out, and operands are then combined pairwise
    from the left, each pair by one matrix product; the gradient is the chain rule's.
    Without "->", the output has the letters that appear once, in alphabetical order.
    Not supported: "..." (write the batch letters out).

    >>> import tinygrad_edu as tg
    >>> tg.einsum("ii->", tg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(5.)
    >>> tg.einsum("i,j->ij", tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0]))
    tensor([[3., 4.],
            [6., 8.]])
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    inputs, output = _parse(equation, len(operands))
    terms = [_diagonal(as_tensor(x), letters) for x, letters in zip(operands, inputs)]
    x, letters = terms[0]
    for k, (y, other) in enumerate(terms[1:], 1):
        later = output + "".join(s for _, s in terms[k + 1:])
        x, letters = _contract(x, letters, y, other, later)
    x, letters = _sum_out(x, letters, output)
    return x.permute([letters.index(c) for c in output]) if letters != output else x


def _parse(equation: str, count: int) -> tuple[list[str], str]:
    equation = equation.replace(" ", "")
    left, arrow, output = equation.partition("->")
    inputs = left.split(",")
    letters = "".join(inputs)
    if "." in equation or builtins.any(c not in string.ascii_letters for c in letters + output):
        raise ValueError(f"einsum: {equation!r}: only letters are supported (no '...')")
    if len(inputs) != count:
        raise ValueError(f"einsum: {equation!r} names {len(inputs)} operands, got {count}")
    if not arrow:
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    if builtins.any(c not in letters or output.count(c) > 1 for c in output):
        raise ValueError(f"einsum: {equation!r}: each output letter must appear once, and "
                         f"in an input")
    return inputs, output


def _diagonal(x: Tensor, letters: str) -> tuple[Tensor, str]:
    """x with each repeated letter reduced to one axis (its diagonal: "ii" -> "i")."""
    if x.ndim != len(letters):
        raise ValueError(f"einsum: {letters!r} names {len(letters)} dimensions of an "
                         f"operand of shape {x.shape}")
    while len(set(letters)) < len(letters):
        c = next(c for c in letters if letters.count(c) > 1)
        first, second = letters.index(c), letters.index(c, letters.index(c) + 1)
        x = x.movedim((first, second), (-2, -1))
        n = x.shape[-1]
        x = x[..., np.arange(n), np.arange(n)]  # the diagonal, as the last axis
        letters = letters.replace(c, "", 2) + c
    return x, letters


def _sum_out(x: Tensor, letters: str, keep: str) -> tuple[Tensor, str]:
    """x summed over the axes whose letters are not in `keep`."""
    axes = tuple(i for i, c in enumerate(letters) if c not in keep)
    if not axes:
        return x, letters
    return x.sum(axes), "".join(c for c in letters if c in keep)


def _contract(x: Tensor, xs: str, y: Tensor, ys: str, later: str) -> tuple[Tensor, str]:
    """x and y combined, summing the letters that `later` does not need, as one batched
    matrix product: (batch, left, summed) @ (batch, summed, right)."""
    x, xs = _sum_out(x, xs, ys + later)
    y, ys = _sum_out(y, ys, xs + later)
    batch = [c for c in xs if c in ys and c in later]
    summed = [c for c in xs if c in ys and c not in later]
    left = [c for c in xs if c not in ys]
    right = [c for c in ys if c not in xs]
    size = dict(zip(xs, x.shape)) | dict(zip(ys, y.shape))
    count = lambda letters: math.prod(size[c] for c in letters)
    a = x.permute([xs.index(c) for c in batch + left + summed])
    b = y.permute([ys.index(c) for c in batch + summed + right])
    a = a.reshape(a.shape[:len(batch)] + (count(left), count(summed)))
    b = b.reshape(b.shape[:len(batch)] + (count(summed), count(right)))
    out = a @ b
    shape = out.shape[:len(batch)] + tuple(size[c] for c in left + right)
    return out.reshape(shape), "".join(batch + left + right)


# Every public function of this module, for `from .functions import *` in the package
__all__ = sorted(name for name, value in list(globals().items())
                 if not name.startswith("_") and callable(value)
                 and getattr(value, "__module__", None) == __name__)
