"""Gradients at the edges where a formula would say 0 * inf or 0 / 0 (issue 16): finite where
PyTorch's are, silent (warnings are errors here), and the deliberate differences documented
in docs/reliability.md. Expected values are transcribed from PyTorch's documented rules."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import ops

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
F = tg.nn.functional
NAN = float("nan")


def leaf(values, dtype=np.float64) -> tg.Tensor:
    return tg.tensor(np.array(values, dtype=dtype), requires_grad=True)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_std_of_a_constant_slice_has_gradient_0(dtype):
    # column 0 is constant: PyTorch's std backward is (x - mean) / ((n - 1) std), set to 0
    # where std is 0; column 1 keeps its usual gradient
    x = leaf([[1.0, 2.0], [1.0, 4.0]], dtype)
    x.std(0).sum().backward()
    assert np.array_equal(x.grad.numpy()[:, 0], [0.0, 0.0])
    assert np.allclose(x.grad.numpy()[:, 1], [-1 / np.sqrt(2), 1 / np.sqrt(2)])


def test_standardising_after_a_dead_relu_unit_keeps_the_weights_finite():
    # the case: one unit is 0 for the whole batch, so its std is 0
    w = leaf([[1.0, -1.0], [2.0, -3.0]])
    h = (tg.tensor([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]], dtype=tg.float64) @ w).relu()
    z = (h - h.mean(0)) / (h.std(0) + 1e-5)
    (z * tg.tensor([[1.0, 2.0]] * 3, dtype=tg.float64)).sum().backward()
    assert np.isfinite(w.grad.numpy()).all()


def test_std_of_a_constant_slice_second_derivative_is_finite():
    x = leaf([1.0, 1.0, 1.0])
    (g,) = tg.grad(x.std(), x, create_graph=True)
    (h,) = tg.grad(g.sum(), x, allow_unused=True)
    assert np.array_equal(g.numpy(), [0.0, 0.0, 0.0]) and np.isfinite(h.numpy()).all()


def test_std_keeps_nan_and_its_value_elsewhere():
    assert np.isnan(tg.tensor([1.0, NAN]).std().item())
    assert np.isnan(tg.tensor([1.0, NAN]).norm().item())  # a norm too (it was 0)
    assert tg.tensor([1.0, 3.0]).std().item() == pytest.approx(np.sqrt(2))


def test_pow_with_a_tensor_exponent_0_at_base_0_has_gradient_0():
    x, p = leaf([0.0, 2.0, 0.0]), leaf([0.0, 2.0, 3.0])
    (x ** p).sum().backward()
    # d/dx x^p = p x^(p-1): 0 where p = 0 (PyTorch masks it), 4 at x=2,p=2, 0 at x=0,p=3
    assert np.array_equal(x.grad.numpy(), [0.0, 4.0, 0.0])
    # d/dp x^p = x^p log x, 0 where x = 0 (as before)
    assert np.allclose(p.grad.numpy(), [0.0, 4 * np.log(2), 0.0])


def test_pow_with_a_tensor_exponent_keeps_second_derivatives_away_from_0():
    x, p = leaf([0.5, 2.0]), leaf([0.0, 3.0])
    (gx,) = tg.grad((x ** p).sum(), x, create_graph=True)
    (gxp,) = tg.grad(gx.sum(), p)
    # d/dp (p x^(p-1)) = x^(p-1) (1 + p log x): 1/x at p = 0 (not masked where x != 0)
    assert np.allclose(gxp.numpy(), [1 / 0.5, 4.0 * (1 + 3 * np.log(2))])


@pytest.mark.parametrize("reduce", [
    lambda x: x.max(), lambda x: x.amax(), lambda x: x.max(0).values, lambda x: ops.max(
        x, axis=(0,), keepdims=True)], ids=["max", "amax", "max-dim", "keepdim"])
def test_a_nan_in_a_max_gets_the_whole_gradient(reduce):
    x = leaf([1.0, NAN, 3.0])
    out = reduce(x)
    assert np.isnan(out.numpy()).all()
    out.sum().backward()
    assert np.array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_a_nan_in_one_max_pool_window_leaves_the_others_alone():
    image = np.arange(16.0).reshape(1, 1, 4, 4)
    image[0, 0, 0, 1] = NAN
    x = leaf(image)
    out = F.max_pool2d(x, 2)
    out.sum().backward()
    expected = np.zeros((4, 4))
    expected[0, 1] = 1  # the NaN's window sends it all to the NaN
    expected[1, 3] = expected[3, 1] = expected[3, 3] = 1  # the others to their maxima
    assert np.array_equal(x.grad.numpy()[0, 0], expected)


def test_min_and_amin_send_a_nan_window_to_the_nan():
    x = leaf([[2.0, NAN], [1.0, 5.0]])
    x.amin(1).sum().backward()
    assert np.array_equal(x.grad.numpy(), [[0.0, 1.0], [1.0, 0.0]])


def test_tied_finite_maxima_still_share_the_gradient():
    # the project's documented rule (docs/reliability.md): ties share evenly
    x = leaf([3.0, 1.0, 3.0])
    x.max().backward()
    assert np.array_equal(x.grad.numpy(), [0.5, 0.0, 0.5])


@pytest.mark.parametrize("call, message", [
    (lambda: tg.cat([tg.ones(2, 3), tg.zeros(2, 3)], dim=2),
     r"cat: dimension 2 is out of range \(expected one in \[-2, 1\]\)"),
    (lambda: tg.cat([tg.ones(2, 3), tg.zeros(2, 3)], dim=-3), r"cat: dimension -3"),
    (lambda: tg.stack([tg.ones(2, 3), tg.zeros(2, 3)], dim=3),
     r"stack: dimension 3 is out of range \(expected one in \[-3, 2\]\)"),
    (lambda: tg.stack([tg.ones(2), tg.zeros(2)], dim=-3), r"stack: dimension -3"),
])
def test_cat_and_stack_refuse_a_dim_out_of_range(call, message):
    with pytest.raises(IndexError, match=message):
        call()


def test_cat_and_stack_accept_every_dim_in_range():
    a, b = tg.ones(2, 3), tg.zeros(2, 3)
    assert [tg.cat([a, b], dim=d).shape for d in (-2, -1, 0, 1)] == [(4, 3), (2, 6)] * 2
    assert [tg.stack([a, b], dim=d).shape for d in (-3, 2)] == [(2, 2, 3), (2, 3, 2)]


def test_a_memory_error_inside_an_op_stays_a_memory_error(monkeypatch):
    def out_of_memory(*arrays):
        raise MemoryError("Unable to allocate 8.00 GiB")
    monkeypatch.setattr(ops.exp, "forward", out_of_memory)
    with pytest.raises(MemoryError, match=r"exp: Unable to allocate 8.00 GiB \(inputs: \(2,\)\)"):
        tg.ones(2).exp()
