"""The article's hand-derived gradients fall out of autodiff.

Each test writes the article's formula in plain numpy (`sigmoid_prime`, `a - y`, the
regression deltas) and compares it with what the chain rule gives when it runs through the
compositions of functional.py. Nothing here asks the engine for a reference. float64, drawn
shapes and values, and random upstream weights wherever the output is not a single number.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tst

F = tg.nn.functional
RTOL, ATOL = 1e-9, 1e-12


# ---------------------------------------------------------------------------------------
# The article's formulas, in numpy
# ---------------------------------------------------------------------------------------

def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def softmax(z):
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def one_hot(labels, classes):
    return np.eye(classes)[labels]


def grad_of(f, *arrays):
    """Autodiff's gradient of the scalar f(*tensors) with respect to each input."""
    tensors = [tg.Tensor(a, requires_grad=True) for a in arrays]
    return [g.numpy() for g in tg.grad(f(*tensors), tensors)]


@st.composite
def classification(draw, max_logit: float = 20.0):
    """Logits z (n, c), labels (n,) and the one-hot y (n, c)."""
    n, classes = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    z = draw(tst.arrays((n, classes), min_value=-max_logit, max_value=max_logit))
    labels = draw(hnp.arrays(np.int64, n, elements=st.integers(0, classes - 1)))
    return z, labels, one_hot(labels, classes)


@st.composite
def binary(draw, max_logit: float):
    """Logits z and targets y in {0, 1} of one drawn shape."""
    z = draw(tst.arrays(min_value=-max_logit, max_value=max_logit))
    y = draw(hnp.arrays(np.float64, z.shape, elements=st.sampled_from([0.0, 1.0])))
    return z, y


# ---------------------------------------------------------------------------------------
# sigmoid_prime
# ---------------------------------------------------------------------------------------

@given(st.data())
def test_chain_rule_through_one_over_one_plus_exp_gives_sigmoid_prime(data):
    z = data.draw(tst.arrays(min_value=-30.0, max_value=30.0))
    v = data.draw(tst.arrays(z.shape))  # random upstream weights
    (dz,) = grad_of(lambda z: ((1 / (1 + (-z).exp())) * tg.Tensor(v)).sum(), z)
    np.testing.assert_allclose(dz, sigmoid_prime(z) * v, rtol=RTOL, atol=ATOL)


@given(st.data())
def test_fused_sigmoid_gives_sigmoid_prime(data):
    z = data.draw(tst.arrays(min_value=-30.0, max_value=30.0))
    v = data.draw(tst.arrays(z.shape))
    (dz,) = grad_of(lambda z: (z.sigmoid() * tg.Tensor(v)).sum(), z)
    np.testing.assert_allclose(dz, sigmoid_prime(z) * v, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------
# a - y at the output: softmax with cross entropy, sigmoid with binary cross entropy
# ---------------------------------------------------------------------------------------

@given(classification())
def test_softmax_cross_entropy_gradient_is_a_minus_y_over_n(drawn):
    z, labels, y = drawn
    n, a = len(z), softmax(z)
    (by_index,) = grad_of(lambda z: F.cross_entropy(z, labels), z)
    (by_one_hot,) = grad_of(lambda z: F.cross_entropy(z, tg.Tensor(y)), z)
    np.testing.assert_allclose(by_index, (a - y) / n, rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(by_one_hot, (a - y) / n, rtol=RTOL, atol=ATOL)


@given(classification(), st.data())
def test_per_example_cross_entropy_weighted_gives_weighted_a_minus_y(drawn, data):
    z, labels, y = drawn
    w = data.draw(tst.arrays((len(z),)))  # a random upstream weight per example
    (dz,) = grad_of(lambda z: (F.cross_entropy(z, labels, reduction="none") * w).sum(), z)
    np.testing.assert_allclose(dz, w[:, None] * (softmax(z) - y), rtol=RTOL, atol=ATOL)


@given(binary(max_logit=15.0))
def test_binary_cross_entropy_of_sigmoid_gradient_is_a_minus_y_over_n(drawn):
    z, y = drawn  # |z| <= 15: sigmoid(z) stays clear of the log clamp at 0 and 1
    (dz,) = grad_of(lambda z: F.binary_cross_entropy(z.sigmoid(), y), z)
    np.testing.assert_allclose(dz, (sigmoid(z) - y) / z.size, rtol=1e-7, atol=ATOL)


@given(binary(max_logit=30.0))
def test_binary_cross_entropy_with_logits_gradient_is_a_minus_y_over_n(drawn):
    z, y = drawn
    (dz,) = grad_of(lambda z: F.binary_cross_entropy_with_logits(z, y), z)
    np.testing.assert_allclose(dz, (sigmoid(z) - y) / z.size, rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------
# Squared error, and the regression deltas X'(prediction - y)/n
# ---------------------------------------------------------------------------------------

@given(st.data())
def test_half_mse_gradient_is_a_minus_y_over_n(data):
    a = data.draw(tst.arrays())
    y = data.draw(tst.arrays(a.shape))
    (da,) = grad_of(lambda a: F.mse_loss(a, y) / 2, a)
    np.testing.assert_allclose(da, (a - y) / a.size, rtol=RTOL, atol=ATOL)


@st.composite
def regression(draw):
    """A design matrix X (n, p) with a column of ones, coefficients b (p,), response y (n,)."""
    n, p = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    X = np.hstack([np.ones((n, 1)), draw(tst.arrays((n, p)))])
    return X, draw(tst.arrays((p + 1,))), draw(tst.arrays((n,)))


@given(regression())
def test_linear_regression_delta(drawn):
    X, b, y = drawn
    (db,) = grad_of(lambda b: F.mse_loss(tg.Tensor(X) @ b, y) / 2, b)
    np.testing.assert_allclose(db, X.T @ (X @ b - y) / len(y), rtol=RTOL, atol=ATOL)


@given(regression())
def test_logistic_regression_delta(drawn):
    X, b, y = drawn
    y = (y > 0).astype(np.float64)
    (db,) = grad_of(lambda b: F.binary_cross_entropy_with_logits(tg.Tensor(X) @ b, y), b)
    np.testing.assert_allclose(db, X.T @ (sigmoid(X @ b) - y) / len(y), rtol=RTOL, atol=ATOL)


@given(regression(), st.integers(2, 4), st.data())
def test_softmax_regression_delta(drawn, classes, data):
    X, _, _ = drawn
    B = data.draw(tst.arrays((X.shape[1], classes)))
    y = one_hot(data.draw(hnp.arrays(np.int64, len(X), elements=st.integers(0, classes - 1))),
                classes)
    (dB,) = grad_of(lambda B: F.cross_entropy(tg.Tensor(X) @ B, tg.Tensor(y)), B)
    np.testing.assert_allclose(dB, X.T @ (softmax(X @ B) - y) / len(X), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------
# The network of step 4: backprop's deltas, layer by layer
# ---------------------------------------------------------------------------------------

@st.composite
def network(draw):
    """Inputs x (n, d), targets y (n, c) in {0, 1}, and weights and biases of a
    d-h-c network, with the article's shapes: W (out, in)."""
    n, d, h, c = (draw(st.integers(1, 4)) for _ in range(4))
    arrays = draw(tst.array_tuples(((n, d), (h, d), (h,), (c, h), (c,)), min_value=-2.0,
                                   max_value=2.0))
    y = draw(hnp.arrays(np.float64, (n, c), elements=st.sampled_from([0.0, 1.0])))
    return arrays, y


@given(network())
def test_backprop_deltas_of_a_sigmoid_network(drawn):
    (x, W1, b1, W2, b2), y = drawn
    n = len(x)

    def cost(W1, b1, W2, b2):  # mean over the batch of the summed cross entropy of the outputs
        a1 = (tg.Tensor(x) @ W1.T + b1).sigmoid()
        return F.binary_cross_entropy_with_logits(a1 @ W2.T + b2, y, reduction="sum") / n

    dW1, db1, dW2, db2 = grad_of(cost, W1, b1, W2, b2)
    z1 = x @ W1.T + b1                       # the article's backprop, on the whole batch
    a1 = sigmoid(z1)
    delta2 = (sigmoid(a1 @ W2.T + b2) - y) / n                 # cost_delta: a - y
    delta1 = (delta2 @ W2) * sigmoid_prime(z1)                 # (W' delta) * sigmoid_prime(z)
    for autodiff, article in ((dW2, delta2.T @ a1), (db2, delta2.sum(0)),
                              (dW1, delta1.T @ x), (db1, delta1.sum(0))):
        np.testing.assert_allclose(autodiff, article, rtol=RTOL, atol=ATOL)
