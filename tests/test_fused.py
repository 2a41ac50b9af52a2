"""Fused primitives against their compositions.

A primitive that could be written as a composition (sigmoid, softplus, relu, linear,
binary cross entropy on probabilities or on logits, log softmax) is allowed only for stability or
speed, and only if its VJP agrees with autodiff through the composed definition: first
derivatives with random upstream gradients, and second derivatives (the VJP
differentiated again).
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.testing.strategies import shapes

F = tg.nn.functional


# The composed definitions, built from primitives only (kept here: the package uses the
# fused forms). Inputs stay where the compositions are themselves stable.
def composed_sigmoid(x):
    return 1 / (1 + (-x).exp())


def composed_softplus(x):
    # relu(x) + log(1 + exp(-|x|)), with -|x| taken from the x <= 0 side at 0 so that both
    # terms are smooth there (abs's kink would make the derivative at 0 wrong)
    minus_abs = tg.where(x.array > 0, -x, x)
    return tg.where(x.array > 0, x, 0) + (1 + minus_abs.exp()).log()


def composed_relu(x):
    return tg.where(x.array > 0, x, 0)


def composed_bce(p, y):
    return -(y * p.log() + (1 - y) * (1 - p).log())


def composed_bce_with_logits(z, y):
    return composed_softplus(z) - y * z


def composed_linear(x, w, b):
    return x @ w.T + b


FUSED = {
    "sigmoid": (F.sigmoid, composed_sigmoid, (-20, 20)),
    "softplus": (F.softplus, composed_softplus, (-20, 20)),
    "relu": (F.relu, composed_relu, (-5, 5)),
}


def values(shape, low, high, away_from_zero=False):
    elements = st.floats(low, high, allow_nan=False, allow_subnormal=False)
    if away_from_zero:  # relu's kink: both sides are right, but not the same
        elements = elements.filter(lambda v: abs(v) > 1e-3)
    return arrays(np.float64, shape, elements=elements)


def vjps(f, inputs, upstream, create_graph=False):
    xs = [tg.Tensor(x, requires_grad=True) for x in inputs]
    out = f(*xs)
    return xs, tg.grad(out, xs, grad_outputs=[upstream], create_graph=create_graph)


def assert_same_derivatives(fused, composed, inputs, upstream, second):
    """First derivatives with upstream weights, then the derivative of their weighted sum
    (second order), for the fused primitive and the composition."""
    results = []
    for f in (fused, composed):
        xs, grads = vjps(f, inputs, upstream, create_graph=True)
        total = sum((g * w).sum() for g, w in zip(grads, second))
        # relu's gradient, g [x > 0], does not depend on x at all: its second derivative is 0
        seconds = tg.grad(total, xs, allow_unused=True) if total.requires_grad else \
            [None] * len(xs)
        results.append(([g.numpy() for g in grads],
                        [np.zeros(x.shape) if s is None else s.numpy() for x, s in
                         zip(xs, seconds)]))
    (first_f, second_f), (first_c, second_c) = results
    for a, b in zip(first_f, first_c):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    for a, b in zip(second_f, second_c):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("name", sorted(FUSED))
@given(data=st.data())
def test_fused_activation_matches_its_composition(name, data):
    fused, composed, (low, high) = FUSED[name]
    shape = data.draw(shapes(max_dims=3))
    x = data.draw(values(shape, low, high, away_from_zero=name == "relu"))
    upstream = data.draw(values(shape, -2, 2))
    second = [data.draw(values(shape, -2, 2))]
    assert_same_derivatives(fused, composed, [x], upstream, second)
    np.testing.assert_allclose(fused(tg.Tensor(x)).numpy(), composed(tg.Tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-15)  # log1p vs log(1 + .)


@given(data=st.data())
def test_fused_binary_cross_entropy_matches_its_composition(data):
    shape = data.draw(shapes(max_dims=3))
    p = data.draw(values(shape, 0.01, 0.99))
    y = data.draw(values(shape, 0, 1))
    upstream = data.draw(values(shape, -2, 2))
    second = [data.draw(values(shape, -2, 2)) for _ in range(2)]
    fused = lambda p, y: ops.binary_cross_entropy(p, y)
    assert_same_derivatives(fused, composed_bce, [p, y], upstream, second)


@given(data=st.data())
def test_fused_binary_cross_entropy_with_logits_matches_its_composition(data):
    # its VJP for z is the article's a - y, written by hand: here it must equal what the
    # chain rule gives through softplus(z) - y z, to first and second order
    shape = data.draw(shapes(max_dims=3))
    z = data.draw(values(shape, -20, 20))
    y = data.draw(values(shape, 0, 1))
    upstream = data.draw(values(shape, -2, 2))
    second = [data.draw(values(shape, -2, 2)) for _ in range(2)]
    fused = lambda z, y: ops.binary_cross_entropy_with_logits(z, y)
    assert_same_derivatives(fused, composed_bce_with_logits, [z, y], upstream, second)
    # softplus(z) - y z cancels where y = 1 and z is large: both forms round to a few ulps
    # of |y z| <= 20, so the absolute tolerance is set by that, not by the small result
    np.testing.assert_allclose(fused(tg.Tensor(z), tg.Tensor(y)).numpy(),
                               composed_bce_with_logits(tg.Tensor(z), tg.Tensor(y)).numpy(),
                               rtol=1e-12, atol=1e-13)


@given(data=st.data())
def test_fused_log_softmax_matches_x_minus_logsumexp(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    axis = data.draw(st.integers(0, len(shape) - 1))
    x = data.draw(values(shape, -20, 20))
    upstream = data.draw(values(shape, -2, 2))
    second = [data.draw(values(shape, -2, 2))]
    composed = lambda x: x - F.logsumexp(x, axis, keepdim=True)
    assert_same_derivatives(lambda x: F.log_softmax(x, axis), composed, [x], upstream,
                            second)


@given(data=st.data())
def test_fused_linear_matches_x_at_w_transposed_plus_b(data):
    batch = data.draw(st.sampled_from([(), (1,), (4,), (2, 3)]))
    n_in, n_out = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x = data.draw(values(batch + (n_in,), -3, 3))
    w = data.draw(values((n_out, n_in), -3, 3))
    b = data.draw(values((n_out,), -3, 3))
    upstream = data.draw(values(batch + (n_out,), -2, 2))
    second = [data.draw(values(a.shape, -2, 2)) for a in (x, w, b)]
    assert_same_derivatives(lambda x, w, b: F.linear(x, w, b), composed_linear,
                            [x, w, b], upstream, second)


def test_linear_without_bias_and_its_errors():
    x, w = tg.randn(3, 4), tg.randn(2, 4, requires_grad=True)
    np.testing.assert_allclose(F.linear(x, w).numpy(), (x @ w.T).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"linear: input of shape \(3, 4\) does not fit"):
        F.linear(x, tg.randn(2, 5))
    with pytest.raises(ValueError, match=r"linear: bias has shape \(3,\), expected \(2,\)"):
        F.linear(x, w, tg.randn(3))


def test_fused_primitives_keep_float32():
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(2, 3, requires_grad=True)
    p = F.linear(x, w).sigmoid()
    loss = F.binary_cross_entropy(p, tg.ones(4, 2)) + F.softplus(x).sum() + F.relu(x).sum()
    loss.backward()
    assert loss.dtype == np.float32
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_of_a_sigmoid_gives_a_minus_y_far_into_the_tails(dtype):
    # while a (1 - a) is a normal number, the chain rule through the fused loss and the
    # fused sigmoid gives back a - y; where a rounds to exactly 0 or 1 nothing can
    z = tg.tensor([-80.0, -30.0, 30.0, 16.0, 0.0], dtype=dtype, requires_grad=True)
    y = tg.tensor([1.0, 1.0, 0.0, 0.0, 1.0], dtype=dtype)
    a = z.sigmoid()
    F.binary_cross_entropy(a, y, reduction="sum").backward()
    expected = a.numpy() - y.numpy()
    usable = a.numpy() * (1 - a.numpy()) >= np.finfo(dtype).tiny
    assert usable[:2].all() and usable[3:].all()
    np.testing.assert_allclose(z.grad.numpy()[usable], expected[usable], rtol=1e-4)
