"""Is autodiff right? Compare its gradients with central finite differences, in float64.

Two comparisons, as in HIPS autograd's `check_vjp`:

* by random projection, for any size: for random directions u (one per input) and a random
  output weighting v, autodiff's <u, J^T v> must equal the central difference
  (<v, f(x + eps u)> - <v, f(x - eps u)>) / (2 eps). Every entry of every input contributes,
  and it costs two evaluations of f per direction;
* entry by entry, for small inputs: each column of the Jacobian, by finite differences,
  against the rows autodiff gives. This one says which entry is wrong.

`gradgradcheck` runs the same checks on the function x -> J(x)^T v, whose gradient is
computed by differentiating the backward pass (`create_graph=True`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..autograd import grad
from ..tensor import Tensor, cat

FULL_CHECK_SIZE = 64  # inputs and outputs up to this many entries are also checked entry by entry


class GradcheckError(AssertionError):
    """Autodiff and finite differences disagree; the message says where and by how much."""


def _as_float64_inputs(inputs) -> list[Tensor]:
    if isinstance(inputs, (Tensor, np.ndarray)):
        inputs = [inputs]
    tensors = []
    for x in inputs:
        data = np.array(x.array if isinstance(x, Tensor) else x, dtype=np.float64)
        tensors.append(Tensor(data, requires_grad=True))
    return tensors


def _evaluate(f: Callable, xs: Sequence[np.ndarray]) -> np.ndarray:
    out = f(*[Tensor(x) for x in xs])
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    return np.asarray(out.array, dtype=np.float64)


def _vjp(f: Callable, xs: list[Tensor], v: np.ndarray) -> list[np.ndarray]:
    out = f(*xs)
    if not out.requires_grad:  # f does not depend on its inputs at all
        return [np.zeros(x.shape) for x in xs]
    grads = grad(out, xs, grad_outputs=[v], allow_unused=True)
    return [np.zeros(x.shape) if g is None else np.asarray(g.array, np.float64) for x, g in
            zip(xs, grads)]


def _close(a, b, atol, rtol) -> bool:
    return bool(np.all(np.abs(a - b) <= atol + rtol * np.abs(b)))


def gradcheck(f: Callable[..., Tensor], inputs, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, seed: int = 0, directions: int = 3) -> bool:
    """Check the gradients of `f(*inputs)` against central finite differences, in float64.

    Returns True, or raises `GradcheckError` naming the input index, the position and the
    largest error.

    >>> import tinygrad_edu as tg
    >>> tg.gradcheck(lambda x, y: (x * y).sum(), [tg.randn(3), tg.randn(3)])
    True
    """
    xs = _as_float64_inputs(inputs)
    rng = np.random.default_rng(seed)
    base = [x.array for x in xs]
    out = _evaluate(f, base)
    for _ in range(directions):
        v = rng.standard_normal(out.shape)
        us = [rng.standard_normal(x.shape) for x in xs]
        analytic = sum(float(np.sum(u * g)) for u, g in zip(us, _vjp(f, xs, v)))
        plus = _evaluate(f, [x + eps * u for x, u in zip(base, us)])
        minus = _evaluate(f, [x - eps * u for x, u in zip(base, us)])
        numeric = float(np.sum(v * (plus - minus))) / (2 * eps)
        if not _close(analytic, numeric, atol, rtol):
            raise GradcheckError(
                f"gradcheck: along a random direction autodiff gives {analytic:.8g}, finite "
                f"differences {numeric:.8g} (error {abs(analytic - numeric):.3g}); "
                f"{_locate(f, xs, eps, atol, rtol) or 'no single entry isolated'}")
    if out.size <= FULL_CHECK_SIZE and all(x.array.size <= FULL_CHECK_SIZE for x in xs):
        message = _locate(f, xs, eps, atol, rtol)
        if message:
            raise GradcheckError(f"gradcheck: {message}")
    return True


def _locate(f: Callable, xs: list[Tensor], eps, atol, rtol) -> str | None:
    """Entry by entry: the input entry whose Jacobian column disagrees most, where, and by
    how much (the worst entry, which is rarely the first one to disagree)."""
    base = [x.array for x in xs]
    out = _evaluate(f, base)
    jacobian_rows = [_vjp(f, xs, onehot) for onehot in _onehots(out.shape)]
    worst, message = 0.0, None
    for i, x in enumerate(base):
        for position in np.ndindex(x.shape):
            shifted_plus = [b.copy() for b in base]
            shifted_minus = [b.copy() for b in base]
            shifted_plus[i][position] += eps
            shifted_minus[i][position] -= eps
            numeric = (_evaluate(f, shifted_plus) - _evaluate(f, shifted_minus)) / (2 * eps)
            analytic = np.array([row[i][position] for row in jacobian_rows]).reshape(out.shape)
            error = float(np.max(np.abs(analytic - numeric), initial=0.0))
            if not _close(analytic, numeric, atol, rtol) and not error < worst:  # NaN too
                worst, message = error, (
                    f"input {i} at position {position}: d out / d x is "
                    f"{np.array2string(analytic.ravel()[:6], precision=6)} by autodiff, "
                    f"{np.array2string(numeric.ravel()[:6], precision=6)} by finite "
                    f"differences (largest error {error:.3g})")
    return message


def _onehots(shape):
    for position in np.ndindex(shape):
        onehot = np.zeros(shape)
        onehot[position] = 1
        yield onehot


def gradgradcheck(f: Callable[..., Tensor], inputs, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, seed: int = 0) -> bool:
    """Check second derivatives: gradcheck of x -> J(x)^T v, the backward pass differentiated.

    >>> import tinygrad_edu as tg
    >>> tg.gradgradcheck(lambda x: (x ** 3).sum(), [tg.randn(4)])
    True
    """
    xs = _as_float64_inputs(inputs)
    out = _evaluate(f, [x.array for x in xs])
    v = np.random.default_rng(seed + 1).standard_normal(out.shape)

    def first_derivative(*args: Tensor) -> Tensor:
        args = [a if a.requires_grad else a.detach().requires_grad_() for a in args]
        y = f(*args)
        if not y.requires_grad:
            return Tensor(np.zeros(sum(a.array.size for a in args)))
        grads = grad(y, args, grad_outputs=[v], create_graph=True, allow_unused=True)
        return cat([(a * 0 if g is None else g).reshape(-1) for a, g in zip(args, grads)])

    try:
        return gradcheck(first_derivative, xs, eps, atol, rtol, seed)
    except GradcheckError as error:
        raise GradcheckError(f"gradgradcheck (second derivatives): {error}") from None
