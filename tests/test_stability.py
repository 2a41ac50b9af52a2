"""Extreme but legal inputs: |z| up to 1e4, in float32 and float64. Values and gradients
must be finite, close to exact references, and come without a RuntimeWarning (overflow in
exp, log of 0, 0/0): every test here runs with warnings turned into errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tst

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
F = tg.nn.functional
BOUND = 1e4
DTYPES = [np.float32, np.float64]


# References in float64 numpy, stable by construction (logaddexp never overflows)
def sigmoid_ref(z):
    return np.exp(-np.logaddexp(0, -z))


def log_softmax_ref(z, axis=-1):
    shifted = z - z.max(axis, keepdims=True)  # <= 0: exp cannot overflow
    return shifted - np.log(np.exp(shifted).sum(axis, keepdims=True))


def softmax_ref(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


# name: (the engine's function, its value, its VJP for upstream v), all on a last axis
CASES = {
    "sigmoid": (lambda z: z.sigmoid(), sigmoid_ref,
                lambda z, v: v * sigmoid_ref(z) * sigmoid_ref(-z)),
    "softplus": (lambda z: z.softplus(), lambda z: np.logaddexp(0, z),
                 lambda z, v: v * sigmoid_ref(z)),
    "logsumexp": (lambda z: z.logsumexp(-1), lambda z: np.logaddexp.reduce(z, axis=-1),
                  lambda z, v: v[..., None] * softmax_ref(z)),
    "log_softmax": (lambda z: z.log_softmax(-1), log_softmax_ref,
                    lambda z, v: v - softmax_ref(z) * v.sum(-1, keepdims=True)),
    "softmax": (lambda z: z.softmax(-1), softmax_ref,
                lambda z, v: softmax_ref(z) * (v - (softmax_ref(z) * v).sum(-1, keepdims=True))),
}


def tolerance(dtype, scale) -> dict:
    """A few units in the last place of `scale` (the largest input, for values that grow
    with it, such as log_softmax's)."""
    eps = float(np.finfo(dtype).eps)
    return {"rtol": 8 * eps, "atol": 8 * eps * max(1.0, float(scale))}


def value_and_gradient(f, z: np.ndarray, v: np.ndarray):
    x = tg.Tensor(z, requires_grad=True)
    out = f(x)
    out.backward(gradient=v.astype(z.dtype))
    return out.numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("name", CASES)
@given(data=st.data())
def test_finite_exact_and_silent_at_large_inputs(name, dtype, data):
    f, value, vjp = CASES[name]
    z = data.draw(tst.arrays(tst.shapes(min_dims=1), dtype=dtype, min_value=-BOUND,
                             max_value=BOUND))
    out_shape = np.shape(value(z.astype(np.float64)))
    v = data.draw(tst.arrays(out_shape, min_value=-1.0, max_value=1.0))
    out, grad = value_and_gradient(f, z, v)
    z64 = z.astype(np.float64)
    assert out.dtype == grad.dtype == dtype
    assert np.all(np.isfinite(out)) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(out, value(z64), **tolerance(dtype, np.abs(z64).max()))
    np.testing.assert_allclose(grad, vjp(z64, v), **tolerance(dtype, 16))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_exact_values_at_plus_minus_1e4(dtype):
    z = tg.tensor(np.array([1e4, 0.0], dtype=dtype), requires_grad=True)
    np.testing.assert_array_equal(z.log_softmax(0).numpy(), [0.0, -1e4])
    np.testing.assert_array_equal(z.softmax(0).numpy(), [1.0, 0.0])
    np.testing.assert_allclose(tg.tensor(np.array([1e4, 1e4], dtype)).logsumexp(0).item(),
                               1e4 + np.log(2), rtol=1e-7)
    np.testing.assert_array_equal(tg.tensor(np.array([-1e4, 0, 1e4], dtype)).sigmoid().numpy(),
                                  [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(tg.tensor(np.array([-1e4, 1e4], dtype)).softplus().numpy(),
                                  [0.0, 1e4])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_cross_entropy_at_1e4(dtype):
    z = tg.tensor(np.array([[1e4, -1e4], [-1e4, 1e4]], dtype=dtype), requires_grad=True)
    for target in (np.array([1, 1]), np.array([[0.0, 1.0], [0.0, 1.0]], dtype=dtype)):
        z.grad = None
        loss = F.cross_entropy(z, target)
        loss.backward()
        assert loss.item() == 1e4  # mean of -log softmax: 2e4 for the wrong row, 0 for the right
        np.testing.assert_array_equal(z.grad.numpy(), [[0.5, -0.5], [0.0, 0.0]])


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_binary_cross_entropy_with_logits_at_1e4(dtype):
    z = tg.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype)
    loss = F.binary_cross_entropy_with_logits(z, y)
    loss.backward()
    assert loss.item() == 5e3  # 1e4 for each of the two wrong signs, 0 for the right ones
    np.testing.assert_array_equal(z.grad.numpy(), np.array([1, -1, 0, 0]) / 4)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@given(data=st.data())
def test_losses_finite_on_drawn_logits(dtype, data):
    n, classes = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    z = data.draw(tst.arrays((n, classes), dtype=dtype, min_value=-BOUND, max_value=BOUND))
    labels = data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n))
    y = data.draw(tst.arrays((n, classes), dtype=dtype, min_value=0.0, max_value=1.0))
    for loss_of in (lambda t: F.cross_entropy(t, np.array(labels)),
                    lambda t: F.binary_cross_entropy_with_logits(t, y)):
        x = tg.Tensor(z, requires_grad=True)
        loss = loss_of(x)
        loss.backward()
        assert np.isfinite(loss.item()) and np.all(np.isfinite(x.grad.numpy()))
        assert x.grad.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_binary_cross_entropy_on_probabilities_0_and_1(dtype):
    p = tg.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=dtype), requires_grad=True)
    loss = F.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype))
    loss.backward()
    # PyTorch clamps log at -100: a certain wrong answer costs 100, a certain right one 0
    np.testing.assert_allclose(loss.item(), 200 / 4, rtol=1e-6)
    assert np.all(np.isfinite(p.grad.numpy()))
