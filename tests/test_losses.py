"""The losses of tg.nn.functional and their modules, against plain-numpy transcriptions of
the formulas in PyTorch's documentation (written here, loop by loop), and gradcheck and
gradgradcheck in float64 for each."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

rng = np.random.default_rng(0)


def log_softmax_np(x, axis):
    m = x.max(axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis, keepdims=True))


def reduce_np(losses, reduction, denominator=None):
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / (losses.size if denominator is None else denominator)


def nll_reference(logp, y, w=None, ignore_index=-100, reduction="mean"):
    """PyTorch's NLLLoss docs: l_n = -w_{y_n} x_{n, y_n} 1{y_n != ignore_index}; the mean
    divides by sum_n w_{y_n} 1{y_n != ignore_index}. Classes in dimension 1."""
    w = np.ones(logp.shape[1]) if w is None else w
    losses, weights = np.zeros(y.shape), np.zeros(y.shape)
    for index in np.ndindex(y.shape):
        c = y[index]
        if c != ignore_index:
            losses[index] = -w[c] * logp[(index[0], c, *index[1:])]
            weights[index] = w[c]
    return reduce_np(losses, reduction, weights.sum())


def soft_ce_reference(x, p, w=None, reduction="mean", smoothing=0.0):
    """PyTorch's CrossEntropyLoss docs, probability targets: l_n = -sum_c w_c y_nc
    log softmax(x_n)_c with y mixed as (1 - e) y + e / C; the mean divides by N (x d1 ...)."""
    C = x.shape[1]
    p = p * (1 - smoothing) + smoothing / C
    w = np.ones(C) if w is None else w
    shape = (1, C) + (1,) * (x.ndim - 2)
    losses = -(w.reshape(shape) * p * log_softmax_np(x, 1)).sum(1)
    return reduce_np(losses, reduction)


def f64(*shape):
    return rng.standard_normal(shape)


REDUCTIONS = ["mean", "sum", "none"]


# -- cross entropy and nll -------------------------------------------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3)])
def test_cross_entropy_with_indices_weights_and_ignore_index(reduction, shape):
    x = f64(*shape)
    y = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    y.flat[1] = -100
    w = rng.uniform(0.5, 2, shape[1])
    got = F.cross_entropy(tg.tensor(x), tg.tensor(y), weight=tg.tensor(w), reduction=reduction)
    np.testing.assert_allclose(got.numpy(), nll_reference(log_softmax_np(x, 1), y, w,
                                                          reduction=reduction), rtol=1e-10)
    logp = tg.tensor(log_softmax_np(x, 1))
    plain = F.nll_loss(logp, y, ignore_index=-100, reduction=reduction)
    np.testing.assert_allclose(plain.numpy(), nll_reference(logp.numpy(), y,
                                                            reduction=reduction), rtol=1e-10)


def test_one_unbatched_sample_and_a_custom_ignore_index():
    x = f64(4)
    assert F.cross_entropy(tg.tensor(x), tg.tensor(2)).item() == pytest.approx(
        -log_softmax_np(x, 0)[2])
    y = np.array([1, 3, 3, 0])
    x2 = f64(4, 5)
    got = F.cross_entropy(tg.tensor(x2), y, ignore_index=3)
    assert got.item() == pytest.approx(nll_reference(log_softmax_np(x2, 1), y, ignore_index=3))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_probability_targets(reduction, smoothing):
    x, p = f64(4, 3, 2), rng.dirichlet(np.ones(3), (4, 2)).transpose(0, 2, 1)
    w = np.array([1.0, 2.0, 0.5])
    got = F.cross_entropy(tg.tensor(x), tg.tensor(p), weight=w, reduction=reduction,
                          label_smoothing=smoothing)
    np.testing.assert_allclose(got.numpy(), soft_ce_reference(x, p, w, reduction, smoothing),
                               rtol=1e-10)


def test_label_smoothing_with_indices_is_smoothing_the_one_hot_target():
    x, y = f64(6, 5), rng.integers(0, 5, 6)
    by_index = F.cross_entropy(tg.tensor(x), y, label_smoothing=0.3)
    assert by_index.item() == pytest.approx(
        soft_ce_reference(x, np.eye(5)[y], smoothing=0.3), rel=1e-10)


def test_label_smoothing_with_weights_and_ignored_targets_normalises_as_pytorch():
    # PyTorch: (1 - e) nll_loss(mean, weighted) + e / C * sum_n (-sum_c w_c log p_nc)
    # over the counted n, divided by the sum of the counted targets' weights
    x, y, w, e = f64(5, 3), np.array([0, 2, -100, 1, 2]), np.array([0.5, 1.0, 3.0]), 0.25
    logp = log_softmax_np(x, 1)
    kept = y != -100
    smooth = (-(logp * w).sum(1) * kept).sum() / w[y[kept]].sum()
    expected = (1 - e) * nll_reference(logp, y, w) + e / 3 * smooth
    got = nn.CrossEntropyLoss(weight=tg.tensor(w), label_smoothing=e)(tg.tensor(x), y)
    assert got.item() == pytest.approx(expected, rel=1e-10)


def test_cross_entropy_of_equal_scores_is_log_c():
    assert F.cross_entropy(tg.zeros(3, 7), tg.tensor([0, 3, 6])).item() == \
        pytest.approx(np.log(7), rel=1e-6)


def test_everything_ignored_gives_nan_as_pytorch():
    with np.errstate(all="raise"):                   # and no numpy warning on the way
        loss = F.cross_entropy(tg.zeros(2, 3), np.array([-100, -100]))
    assert np.isnan(loss.item())


# -- binary, regression, divergence ------------------------------------------------------

def bce_reference(x_logits, y, w=1.0, pos_weight=1.0):
    """PyTorch's BCEWithLogitsLoss docs: -w [p y log s(x) + (1 - y) log(1 - s(x))]."""
    s = 1 / (1 + np.exp(-x_logits))
    return -w * (pos_weight * y * np.log(s) + (1 - y) * np.log(1 - s))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropies_with_weight_and_pos_weight(reduction):
    x, y = f64(4, 3), rng.uniform(0, 1, (4, 3))
    w, pw = rng.uniform(0.5, 2, (4, 1)), np.array([1.0, 3.0, 0.2])
    got = F.binary_cross_entropy_with_logits(tg.tensor(x), tg.tensor(y), weight=w,
                                             pos_weight=tg.tensor(pw), reduction=reduction)
    np.testing.assert_allclose(got.numpy(), reduce_np(bce_reference(x, y, w, pw), reduction),
                               rtol=1e-10)
    p = 1 / (1 + np.exp(-x))
    got = nn.BCELoss(weight=tg.tensor(w), reduction=reduction)(tg.tensor(p), tg.tensor(y))
    np.testing.assert_allclose(got.numpy(), reduce_np(bce_reference(x, y, w), reduction),
                               rtol=1e-8)


def test_bce_refuses_targets_and_inputs_outside_zero_one():
    with pytest.raises(ValueError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(tg.tensor([0.5, 0.5]), tg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="all elements of input should be between 0 and 1"):
        nn.BCELoss()(tg.tensor([1.5]), tg.tensor([1.0]))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_follow_their_documented_formulas(reduction):
    x, y = f64(20) * 2, f64(20)
    d = x - y
    cases = [
        (F.mse_loss(tg.tensor(x), tg.tensor(y), reduction), d ** 2),
        (F.l1_loss(tg.tensor(x), tg.tensor(y), reduction), np.abs(d)),
        (F.smooth_l1_loss(tg.tensor(x), tg.tensor(y), reduction, beta=0.7),
         np.where(np.abs(d) < 0.7, 0.5 * d ** 2 / 0.7, np.abs(d) - 0.35)),
        (F.huber_loss(tg.tensor(x), tg.tensor(y), reduction, delta=0.7),
         np.where(np.abs(d) < 0.7, 0.5 * d ** 2, 0.7 * (np.abs(d) - 0.35))),
        (F.smooth_l1_loss(tg.tensor(x), tg.tensor(y), reduction, beta=0.0), np.abs(d)),
    ]
    for got, pointwise in cases:
        np.testing.assert_allclose(got.numpy(), reduce_np(pointwise, reduction), rtol=1e-12)


def test_huber_is_delta_times_smooth_l1_as_pytorch_documents():
    x, y = tg.tensor(f64(30) * 3), tg.tensor(f64(30))
    assert F.huber_loss(x, y, delta=2.5).item() == pytest.approx(
        2.5 * F.smooth_l1_loss(x, y, beta=2.5).item(), rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
def test_kl_div_with_and_without_log_target(reduction):
    x = log_softmax_np(f64(4, 5), 1)
    y = rng.dirichlet(np.ones(5), 4)
    y[0, 1] = 0.0                                     # y log y counts 0 where y = 0
    pointwise = np.where(y > 0, y * (np.log(np.where(y > 0, y, 1)) - x), 0.0)
    expected = pointwise.sum() / 4 if reduction == "batchmean" else reduce_np(pointwise,
                                                                                reduction)
    got = F.kl_div(tg.tensor(x), tg.tensor(y), reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)
    log_y = np.log(rng.dirichlet(np.ones(5), 4))
    got = nn.KLDivLoss(reduction=reduction, log_target=True)(tg.tensor(x), tg.tensor(log_y))
    pointwise = np.exp(log_y) * (log_y - x)
    expected = pointwise.sum() / 4 if reduction == "batchmean" else reduce_np(pointwise,
                                                                                reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10)


# -- gradients -----------------------------------------------------------------------------

Y_IDX = np.array([2, 0, -100, 1])
Y_P = rng.dirichlet(np.ones(3), 4)
Y_01 = rng.uniform(0, 1, (4, 3))
W3 = np.array([0.5, 2.0, 1.0])

GRADIENT_CASES = {
    "cross_entropy": lambda x: F.cross_entropy(x, Y_IDX, weight=W3, label_smoothing=0.1),
    "cross_entropy_probs": lambda x: F.cross_entropy(x, tg.tensor(Y_P), label_smoothing=0.2),
    "cross_entropy_nd": lambda x: F.cross_entropy(x.reshape(2, 3, 2), np.array([[0, 2],
                                                                                 [1, 1]])),
    "nll_loss": lambda x: F.nll_loss(x, Y_IDX, weight=W3, reduction="sum"),
    "bce": lambda x: F.binary_cross_entropy(x.sigmoid(), tg.tensor(Y_01), weight=W3),
    "bce_logits": lambda x: F.binary_cross_entropy_with_logits(
        x, tg.tensor(Y_01), pos_weight=tg.tensor(W3)),
    "mse": lambda x: F.mse_loss(x, tg.tensor(Y_01)),
    "l1": lambda x: F.l1_loss(x, tg.tensor(Y_01) + 5),
    "smooth_l1": lambda x: F.smooth_l1_loss(x, tg.tensor(Y_01), beta=0.8),
    "huber": lambda x: F.huber_loss(x, tg.tensor(Y_01), delta=0.8),
    "kl_div": lambda x: F.kl_div(x.log_softmax(1), tg.tensor(Y_P), reduction="batchmean"),
    "kl_div_both": lambda x: F.kl_div(tg.tensor(np.log(Y_P)), x.log_softmax(1),
                                      log_target=True),
}


@pytest.mark.parametrize("name", GRADIENT_CASES)
def test_losses_pass_gradcheck_and_gradgradcheck(name):
    x = tg.tensor(rng.standard_normal((4, 3)) * 1.5, dtype=tg.float64)
    assert tg.gradcheck(GRADIENT_CASES[name], [x])
    assert tg.gradgradcheck(GRADIENT_CASES[name], [x])


def test_cross_entropy_gradient_is_softmax_minus_target_over_n():
    x = tg.tensor(f64(4, 3), requires_grad=True)
    F.cross_entropy(x, tg.tensor(Y_P)).backward()
    e = np.exp(log_softmax_np(x.numpy(), 1))
    np.testing.assert_allclose(x.grad.numpy(), (e - Y_P) / 4, rtol=1e-10)


# -- modules and errors --------------------------------------------------------------------

def test_loss_modules_call_their_functions_and_keep_weights_as_buffers():
    x, y = tg.tensor(f64(4, 3)), np.array([0, 1, 2, 1])
    criterion = nn.CrossEntropyLoss(weight=tg.tensor(W3), reduction="sum")
    assert criterion(x, y).item() == F.cross_entropy(x, y, weight=W3, reduction="sum").item()
    assert list(criterion.state_dict()) == ["weight"] and list(criterion.parameters()) == []
    assert repr(criterion) == "CrossEntropyLoss()"
    assert list(nn.BCEWithLogitsLoss(pos_weight=tg.ones(3)).state_dict()) == ["pos_weight"]
    assert nn.MSELoss()(tg.tensor([1.0, 3.0]), tg.tensor([0.0, 0.0])).item() == 5.0
    assert nn.L1Loss(reduction="none")(tg.tensor([1.0, -3.0]), tg.zeros(2)).tolist() == [1, 3]
    assert nn.SmoothL1Loss(beta=2.0)(tg.tensor([1.0]), tg.zeros(1)).item() == 0.25
    assert nn.HuberLoss(delta=0.5)(tg.tensor([2.0]), tg.zeros(1)).item() == 0.875
    assert nn.NLLLoss()(tg.tensor([[-1.0, -2.0]]), np.array([1])).item() == 2.0


def test_old_size_average_and_reduce_flags_mean_what_they_meant():
    x, y = tg.tensor([1.0, 3.0]), tg.zeros(2)
    assert nn.MSELoss(size_average=False)(x, y).item() == 10.0
    assert nn.MSELoss(reduce=False)(x, y).tolist() == [1.0, 9.0]
    assert nn.MSELoss(size_average=True)(x, y).item() == 5.0


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.cross_entropy(tg.zeros(2, 3), np.array([0, 1]), weight=tg.ones(4)),
     ValueError, r"weight must have one entry per class, shape \(3,\)"),
    (lambda: F.cross_entropy(tg.zeros(2, 3, 4), np.array([0, 1])), ValueError,
     r"target must be integer class indices of shape \(2, 4\)"),
    (lambda: F.cross_entropy(tg.zeros(2, 3), np.array([0, 1]), label_smoothing=1.5),
     ValueError, "label_smoothing must be between 0.0 and 1.0"),
    (lambda: F.cross_entropy(tg.zeros(2, 3), tg.zeros(2, 3), ignore_index=1), ValueError,
     "ignore_index is not supported for probability"),
    (lambda: F.cross_entropy(tg.zeros(2, 3), tg.zeros(2, 4)), ValueError,
     r"probability target must have the input's shape \(2, 3\)"),
    (lambda: F.nll_loss(tg.zeros(2, 3), np.array([0, 3])), ValueError,
     "target holds class 3, out of range for 3 classes"),
    (lambda: F.mse_loss(tg.zeros(2), tg.zeros(3)), ValueError,
     r"mse_loss: input shape \(2,\) and target shape \(3,\) differ"),
    (lambda: F.l1_loss(tg.zeros(2), tg.zeros(2), reduction="avg"), ValueError,
     "reduction must be 'mean', 'sum' or 'none'"),
    (lambda: F.binary_cross_entropy_with_logits(tg.zeros(2, 3), tg.zeros(2, 3),
                                                weight=tg.ones(4)), ValueError,
     "weight of shape"),
    (lambda: F.huber_loss(tg.zeros(1), tg.zeros(1), delta=0), ValueError, "delta must be > 0"),
])
def test_loss_errors_name_the_problem(call, error, message):
    with pytest.raises(error, match=message):
        call()
