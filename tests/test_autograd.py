"""Backward semantics: what `backward`, `tg.grad`, `jacobian`, `hessian` and grad mode do,
checked against derivatives known in closed form (PyTorch's behaviour where it has one)."""

from __future__ import annotations

import sys
import weakref

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tst

rng = np.random.default_rng(0)


def f64(*shape, requires_grad=True) -> tg.Tensor:
    return tg.Tensor(rng.standard_normal(shape), requires_grad=requires_grad)


# ---------------------------------------------------------------------------------------
# backward: accumulation, retain_grad, gradient=, retain_graph, create_graph
# ---------------------------------------------------------------------------------------

def test_leaf_grads_accumulate_across_backward_calls():
    x, v = f64(3), rng.standard_normal(3)
    for calls in (1, 2, 3):
        (x * x * v).sum().backward()  # a new graph each time
        np.testing.assert_allclose(x.grad.numpy(), calls * 2 * x.numpy() * v)


def test_non_leaf_grads_are_kept_only_with_retain_grad():
    x = f64(3)
    hidden, kept = x * 2, x * 3
    kept.retain_grad()
    (hidden * kept).sum().backward()
    assert hidden.grad is None and not hidden.is_leaf
    np.testing.assert_allclose(kept.grad.numpy(), hidden.numpy())
    np.testing.assert_allclose(x.grad.numpy(), 12 * x.numpy())


@given(tst.tensors(), st.data())
def test_gradient_weights_a_non_scalar_output(x, data):
    v = data.draw(tst.arrays(x.shape))
    (x * x).backward(gradient=v)
    # x v + x v, as the chain rule adds it (2 x v rounds differently among subnormals)
    np.testing.assert_array_equal(x.grad.numpy(), x.numpy() * v + x.numpy() * v)


def test_retain_graph_keeps_the_graph_for_a_second_backward():
    x, v = f64(4), rng.standard_normal(4)
    y = (x.exp() * v).sum()
    y.backward(retain_graph=True)
    assert y.node.inputs is not None
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(x.numpy()) * v)
    assert y.node.inputs is None


def test_create_graph_makes_the_gradient_differentiable():
    x, v = f64(3), rng.standard_normal(3)
    (x ** 3 * v).sum().backward(create_graph=True)
    first = x.grad
    np.testing.assert_allclose(first.numpy(), 3 * x.numpy() ** 2 * v)
    assert first.requires_grad and first.grad_fn is not None
    x.grad = None
    (first * v).sum().backward()  # d/dx sum(3 x^2 v * v) = 6 x v^2
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.numpy() * v ** 2)


# ---------------------------------------------------------------------------------------
# tg.grad, jacobian, hessian
# ---------------------------------------------------------------------------------------

def test_grad_with_grad_outputs_returns_and_leaves_dot_grad_alone():
    x, w, v = f64(2, 3), f64(3), rng.standard_normal(2)
    gx, gw = tg.grad(x @ w, [x, w], grad_outputs=[v])
    np.testing.assert_allclose(gx.numpy(), np.outer(v, w.numpy()))
    np.testing.assert_allclose(gw.numpy(), x.numpy().T @ v)
    assert x.grad is None and w.grad is None and not gx.requires_grad


def test_grad_allow_unused_gives_none_for_an_unused_input():
    x, unused = f64(3), f64(3)
    gx, gu = tg.grad((x * x).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), 2 * x.numpy())
    with pytest.raises(RuntimeError, match="input 1 was not used"):
        tg.grad((x * x).sum(), [x, unused])


def test_grad_of_grad_gives_second_derivatives():
    x = tg.tensor(np.array([0.3, -1.2, 2.0]), requires_grad=True)
    v, w = rng.standard_normal(3), rng.standard_normal(3)
    (g,) = tg.grad(x.tanh(), x, grad_outputs=[v], create_graph=True)
    (gg,) = tg.grad(g, x, grad_outputs=[w])
    t = np.tanh(x.numpy())  # d tanh = 1 - t^2, d^2 tanh = -2 t (1 - t^2)
    np.testing.assert_allclose(g.numpy(), (1 - t ** 2) * v)
    np.testing.assert_allclose(gg.numpy(), -2 * t * (1 - t ** 2) * v * w)


def test_jacobian_of_linear_maps_and_elementwise_functions():
    A, X, B = rng.standard_normal((4, 3)), f64(2, 3), rng.standard_normal((3, 5))
    x = f64(3)
    np.testing.assert_allclose(tg.jacobian(lambda x: x @ A.T, x).numpy(), A)
    np.testing.assert_allclose(tg.jacobian(lambda x: x ** 2, x).numpy(),
                               np.diag(2 * x.numpy()))
    J = tg.jacobian(lambda X: X @ B, X).numpy()  # d (XB)_ij / d X_kl = [i = k] B_lj
    assert J.shape == (2, 5, 2, 3)
    np.testing.assert_allclose(J, np.einsum("ik,lj->ijkl", np.eye(2), B))


def test_jacobian_of_softmax_is_diag_s_minus_s_s_transposed():
    x = f64(4)
    s = np.exp(x.numpy()) / np.exp(x.numpy()).sum()
    np.testing.assert_allclose(tg.jacobian(lambda x: x.softmax(0), x).numpy(),
                               np.diag(s) - np.outer(s, s), atol=1e-12)


def test_hessian_of_quadratic_form_and_logsumexp():
    A, x = rng.standard_normal((3, 3)), f64(3)
    H = tg.hessian(lambda x: x @ (tg.Tensor(A) @ x), x).numpy()
    np.testing.assert_allclose(H, A + A.T, atol=1e-12)
    s = np.exp(x.numpy()) / np.exp(x.numpy()).sum()
    np.testing.assert_allclose(tg.hessian(lambda x: x.logsumexp(0), x).numpy(),
                               np.diag(s) - np.outer(s, s), atol=1e-12)


# ---------------------------------------------------------------------------------------
# Grad mode
# ---------------------------------------------------------------------------------------

def test_no_grad_records_nothing_and_enable_grad_records_again():
    w = f64(3)
    with tg.no_grad():
        y = w * 2 + 1
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = w * 2
            assert tg.is_grad_enabled()
        inner = w.exp()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None and inner.grad_fn is None
    assert z.requires_grad and z.node.op.name == "mul"


def test_no_grad_and_enable_grad_as_decorators():
    w = f64(3)

    @tg.no_grad()
    def evaluate(w):
        return w * 2, scale(w)

    @tg.enable_grad()
    def scale(w):
        return w * 3

    plain, recorded = evaluate(w)
    assert not plain.requires_grad and recorded.requires_grad
    assert tg.is_grad_enabled()


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError), tg.no_grad():
        raise ValueError("inside")
    assert tg.is_grad_enabled()


def test_backward_without_create_graph_records_nothing():
    x = f64(3)
    (x * x).sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad


# ---------------------------------------------------------------------------------------
# The walk: long chains, shared inputs, freeing
# ---------------------------------------------------------------------------------------

def test_a_chain_of_100000_ops_backpropagates_without_recursion():
    assert sys.getrecursionlimit() < 100_000  # a recursive walk would fail
    x = tg.tensor(np.array(1.0), requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.00001
        y = y + 0.5
    y.backward()
    assert np.isclose(x.grad.item(), 1.00001 ** 50_000)


def test_a_tensor_used_twice_receives_both_contributions():
    x = f64(3)
    a = x.exp()
    y = (a * a + a).sum()  # dy/dx = (2 a + 1) a
    y.backward()
    e = np.exp(x.numpy())
    np.testing.assert_allclose(x.grad.numpy(), (2 * e + 1) * e)


def _graph_with_intermediate():
    x = f64(1000)
    hidden = x.exp()
    y = (hidden * hidden).sum()
    return x, y, weakref.ref(hidden), weakref.ref(hidden.array)


def test_saved_tensors_are_freed_after_backward():
    x, y, hidden, hidden_array = _graph_with_intermediate()
    assert hidden() is not None and hidden_array() is not None  # held by the graph
    y.backward()
    assert y.node.inputs is None
    assert hidden() is None and hidden_array() is None


def test_saved_tensors_survive_backward_with_retain_graph():
    x, y, hidden, hidden_array = _graph_with_intermediate()
    y.backward(retain_graph=True)
    assert hidden() is not None and hidden_array() is not None


# ---------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------

def test_float32_by_default_and_float64_stays_float64():
    assert tg.tensor([1.0, 2.0]).dtype == np.float32
    assert tg.ones(2).dtype == tg.randn(2).dtype == tg.zeros(1).dtype == np.float32
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = ((x * x).exp().sum() / 3).sigmoid()
    assert x.dtype == y.dtype == np.float64


@pytest.mark.parametrize("number", [2, 2.5, np.float64(2.5), np.int64(3)],
                         ids=["int", "float", "np.float64", "np.int64"])
def test_python_and_numpy_scalars_keep_the_tensor_dtype(number):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    results = [x * number, number * x, x + number, number - x, x / number, number / x,
               x ** number, tg.maximum(x, number), tg.where(x.numpy() > 1, x, number)]
    assert [r.dtype for r in results] == [np.float32] * len(results)


def test_gradients_have_the_dtype_of_their_tensor():
    x32 = tg.tensor([1.0, 2.0], requires_grad=True)
    x64 = tg.Tensor(np.array([[1.0], [3.0]]), requires_grad=True)
    (x32 * x64).sum().backward()  # a float64 result from a float32 and a float64 input
    assert x32.grad.dtype == np.float32 and x64.grad.dtype == np.float64
    y64 = tg.Tensor(np.array([0.5, 1.5]), requires_grad=True)
    y64.to(tg.float32).sum().backward()
    assert y64.grad.dtype == np.float64


# ---------------------------------------------------------------------------------------
# The README's first example, and the fused sigmoid against its composed definition
# ---------------------------------------------------------------------------------------

def test_design_first_example():
    x = tg.tensor([[1.0, 2.0]], requires_grad=True)
    W = tg.randn(2, 3, requires_grad=True)
    tg.manual_seed(0)
    y = (x @ W).sigmoid().sum()
    y.backward()
    s = 1 / (1 + np.exp(-(x.numpy() @ W.numpy())))
    np.testing.assert_allclose(W.grad.numpy(), x.numpy().T @ (s * (1 - s)), rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), (s * (1 - s)) @ W.numpy().T, rtol=1e-5,
                               atol=1e-6)
    assert (W.grad.shape, x.grad.shape) == ((2, 3), (1, 2))
    assert W.grad.dtype == x.grad.dtype == np.float32
    assert isinstance(y.item(), float)


def composed_sigmoid(x: tg.Tensor) -> tg.Tensor:
    return 1 / (1 + (-x).exp())


@given(st.data())
def test_fused_sigmoid_vjp_equals_autodiff_of_its_definition(data):
    x = data.draw(tst.tensors(min_value=-20.0, max_value=20.0))
    v, w = data.draw(tst.array_tuples((x.shape, x.shape)))
    assert x.sigmoid().node.op.name == "sigmoid"  # the fused primitive, one node
    fused = tg.grad(x.sigmoid(), x, grad_outputs=[v], create_graph=True)[0]
    composed = tg.grad(composed_sigmoid(x), x, grad_outputs=[v], create_graph=True)[0]
    # out (1 - out) loses relative precision where out rounds near 1 (as PyTorch's does),
    # so compare on the scale of the largest possible derivative, 1/4
    np.testing.assert_allclose(fused.numpy(), composed.numpy(), rtol=1e-10, atol=1e-14)
    second_fused = tg.grad(fused, x, grad_outputs=[w])[0]
    second_composed = tg.grad(composed, x, grad_outputs=[w])[0]
    np.testing.assert_allclose(second_fused.numpy(), second_composed.numpy(),
                               rtol=1e-10, atol=1e-13)
