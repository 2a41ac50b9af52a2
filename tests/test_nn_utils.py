"""tg.nn.utils (gradient clipping, parameter vectors) and the rest of tg.nn.init, against
PyTorch's documented formulas."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import utils


def with_grads(*grads):
    params = [tg.zeros(np.shape(g), requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = tg.tensor(g)
    return params


# -- clipping ------------------------------------------------------------------------------

def test_clip_grad_norm_scales_all_gradients_by_one_factor():
    a, b = with_grads([3.0, 0.0], [[4.0]])          # joint 2-norm 5
    total = utils.clip_grad_norm_([a, b], max_norm=2.0)
    assert total.item() == pytest.approx(5.0) and total.dtype == np.float32
    coef = 2.0 / (5.0 + 1e-6)                         # PyTorch's max_norm / (norm + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), [3 * coef, 0], rtol=1e-6)
    np.testing.assert_allclose(b.grad.numpy(), [[4 * coef]], rtol=1e-6)


def test_clip_grad_norm_leaves_small_gradients_and_takes_other_norms():
    (a,) = with_grads([0.3, -0.4])
    assert utils.clip_grad_norm_(a, max_norm=1.0).item() == pytest.approx(0.5)
    np.testing.assert_allclose(a.grad.numpy(), [0.3, -0.4], rtol=1e-6)
    a, b = with_grads([1.0, -6.0], [2.0])
    assert utils.clip_grad_norm_([a, b], 3.0, norm_type=math.inf).item() == 6.0
    np.testing.assert_allclose(a.grad.numpy(), [0.5, -3.0], rtol=1e-6)
    a, b = with_grads([1.0, -6.0], [2.0])
    assert utils.clip_grad_norm_([a, b], 100, norm_type=1).item() == 9.0


def test_clip_grad_norm_without_gradients_and_with_a_nonfinite_norm():
    assert utils.clip_grad_norm_([tg.zeros(2, requires_grad=True)], 1.0).item() == 0.0
    (a,) = with_grads([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(a, 1.0, error_if_nonfinite=True)
    np.testing.assert_array_equal(a.grad.numpy(), [np.inf, 1.0])


def test_clip_grad_value_clamps_each_entry():
    a, b = with_grads([-3.0, 0.2, 7.0], [0.5])
    assert utils.clip_grad_value_([a, b], 1.0) is None
    assert a.grad.tolist() == [-1.0, pytest.approx(0.2), 1.0] and b.grad.tolist() == [0.5]


def test_parameters_to_vector_and_back():
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    vec = utils.parameters_to_vector(model.parameters())
    assert vec.shape == (3 * 4 + 4 + 4 * 2 + 2,)
    (vec * tg.arange(vec.shape[0], dtype=tg.float32)).sum().backward()
    assert model[2].bias.grad.tolist() == [24.0, 25.0]    # its entries' positions
    utils.vector_to_parameters(vec * 2, model.parameters())
    np.testing.assert_allclose(utils.parameters_to_vector(model.parameters()).numpy(),
                               2 * vec.numpy())
    with pytest.raises(ValueError, match="the parameters hold 26 numbers"):
        utils.vector_to_parameters(tg.zeros(5), model.parameters())
    with pytest.raises(TypeError, match="expected a Tensor"):
        utils.vector_to_parameters(np.zeros(26), model.parameters())


# -- init ----------------------------------------------------------------------------------

def test_normal_inits_have_their_documented_spread():
    tg.manual_seed(1)
    x = nn.init.xavier_normal_(tg.zeros(200, 300), gain=2).numpy()
    assert x.std() == pytest.approx(2 * math.sqrt(2 / 500), rel=0.02)
    k = nn.init.kaiming_normal_(tg.zeros(200, 30, 2, 5), mode="fan_out",
                                nonlinearity="relu").numpy()
    assert k.std() == pytest.approx(math.sqrt(2) / math.sqrt(200 * 10), rel=0.02)
    t = nn.init.trunc_normal_(tg.zeros(100_000), mean=1.0, std=2.0, a=0.0, b=1.5).numpy()
    assert t.min() >= 0.0 and t.max() <= 1.5 and 0.7 < t.mean() < 0.8
    # the mean of N(1, 4) cut to [0, 1.5]: 1 + 2 (phi(-0.5) - phi(0.25)) / (Phi(0.25) - Phi(-0.5))
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    Phi = lambda z: (1 + math.erf(z / math.sqrt(2))) / 2
    assert t.mean() == pytest.approx(1 + 2 * (phi(-0.5) - phi(0.25)) / (Phi(0.25) - Phi(-0.5)),
                                     abs=0.01)


def test_constant_eye_and_orthogonal():
    assert (nn.init.constant_(tg.zeros(2, 2), 0.3).numpy() == np.float32(0.3)).all()
    np.testing.assert_array_equal(nn.init.eye_(tg.zeros(3, 2)).numpy(), np.eye(3, 2))
    tall = nn.init.orthogonal_(tg.zeros(6, 3, dtype=tg.float64), gain=2).numpy()
    np.testing.assert_allclose(tall.T @ tall, 4 * np.eye(3), atol=1e-12)
    conv = nn.init.orthogonal_(tg.zeros(4, 2, 3, 3)).numpy().reshape(4, 18)
    np.testing.assert_allclose(conv @ conv.T, np.eye(4), atol=1e-5)
    with pytest.raises(ValueError, match="eye_: only tensors with 2 dimensions"):
        nn.init.eye_(tg.zeros(2, 2, 2))
    with pytest.raises(ValueError, match="orthogonal_: only tensors with 2 or more"):
        nn.init.orthogonal_(tg.zeros(3))


def test_calculate_gain_selu_and_transposed_convolutions():
    assert nn.init.calculate_gain("selu") == 0.75
    assert nn.init.calculate_gain("conv_transpose2d") == 1
    with pytest.raises(ValueError, match="not a valid number"):
        nn.init.calculate_gain("leaky_relu", "steep")
