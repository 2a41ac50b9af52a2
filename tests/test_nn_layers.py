"""The layers PyTorch courses reach after the article's network: each against the formula
in PyTorch's documentation (transcribed here in numpy), in train and eval mode where they
differ, and gradcheck and gradgradcheck in float64 for every one."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

rng = np.random.default_rng(0)
f64 = tg.float64


def data(*shape, scale=1.0, shift=0.0):
    return tg.tensor(rng.standard_normal(shape) * scale + shift, dtype=f64)


# -- Dropout -------------------------------------------------------------------------------

def test_dropout_in_training_zeros_a_fraction_p_and_scales_the_rest():
    drop = nn.Dropout(p=0.3)
    out = drop(tg.ones(100_000)).numpy()
    kept = out != 0
    assert abs(1 - kept.mean() - 0.3) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)
    assert repr(drop) == "Dropout(p=0.3, inplace=False)"


def test_dropout_in_eval_mode_is_the_identity_and_p_0_or_1_are_exact():
    x = data(5, 4)
    drop = nn.Dropout(0.5).eval()
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    np.testing.assert_array_equal(F.dropout(x, 0.0).numpy(), x.numpy())
    assert (F.dropout(x, 1.0).numpy() == 0).all()
    np.testing.assert_array_equal(F.dropout(x, 0.9, training=False).numpy(), x.numpy())


def test_dropout_is_seeded_by_manual_seed_and_its_gradient_is_the_mask():
    x = tg.ones(50, requires_grad=True)
    tg.manual_seed(4)
    first = F.dropout(x, 0.5)
    tg.manual_seed(4)
    second = F.dropout(x, 0.5)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    first.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), first.numpy())    # mask / (1 - p)


def test_dropout_refuses_a_probability_outside_zero_one():
    with pytest.raises(ValueError, match="probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout: probability"):
        F.dropout(tg.ones(2), -0.1)


# -- BatchNorm -----------------------------------------------------------------------------

def bn_reference(x, axes, eps=1e-5):
    mean = x.mean(axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axes, keepdims=True) + eps)


@pytest.mark.parametrize("layer, shape, axes", [
    (nn.BatchNorm1d, (8, 3), (0,)),
    (nn.BatchNorm1d, (8, 3, 5), (0, 2)),
    (nn.BatchNorm2d, (4, 3, 5, 6), (0, 2, 3)),
])
def test_batchnorm_running_statistics_after_several_steps(layer, shape, axes):
    """PyTorch's docs: running = (1 - momentum) running + momentum * batch statistic,
    with the unbiased variance; eval mode normalises with the running statistics."""
    bn = layer(3, momentum=0.2, dtype=f64)
    with tg.no_grad():
        bn.weight += tg.tensor([1.0, 2.0, 0.5], dtype=f64)
        bn.bias += tg.tensor([0.0, -1.0, 3.0], dtype=f64)
    mean, var = np.zeros(3), np.ones(3)
    shape_c = (1, 3) + (1,) * (len(shape) - 2)
    for step in range(4):
        x = data(*shape, scale=2.0, shift=step).numpy()
        out = bn(tg.tensor(x)).numpy()
        expected = bn_reference(x, axes) * bn.weight.numpy().reshape(shape_c) + \
            bn.bias.numpy().reshape(shape_c)
        np.testing.assert_allclose(out, expected, rtol=1e-9, atol=1e-12)
        n = x.size // 3
        mean = 0.8 * mean + 0.2 * x.mean(axes)
        var = 0.8 * var + 0.2 * x.var(axes) * n / (n - 1)
    np.testing.assert_allclose(bn.running_mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), var, rtol=1e-12)
    assert bn.num_batches_tracked.item() == 4 and bn.num_batches_tracked.dtype == np.int64
    bn.eval()
    x = data(*shape).numpy()
    expected = (x - mean.reshape(shape_c)) / np.sqrt(var.reshape(shape_c) + 1e-5) * \
        bn.weight.numpy().reshape(shape_c) + bn.bias.numpy().reshape(shape_c)
    np.testing.assert_allclose(bn(tg.tensor(x)).numpy(), expected, rtol=1e-10)
    assert bn.num_batches_tracked.item() == 4                    # eval counts nothing


def test_batchnorm_with_momentum_none_keeps_a_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None, dtype=f64)
    batches = [data(6, 2, shift=k).numpy() for k in range(3)]
    for x in batches:
        bn(tg.tensor(x))
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([b.mean(0) for b in batches],
                                                                axis=0), rtol=1e-12)


def test_batchnorm_without_running_stats_or_affine():
    bn = nn.BatchNorm1d(3, affine=False, track_running_stats=False, dtype=f64)
    assert list(bn.state_dict()) == [] and list(bn.parameters()) == []
    x = data(5, 3)
    bn.eval()                        # no running statistics: the batch's, even in eval
    np.testing.assert_allclose(bn(x).numpy(), bn_reference(x.numpy(), (0,)), rtol=1e-10)


def test_batchnorm_reset_running_stats():
    bn = nn.BatchNorm1d(2)
    bn(data(4, 2, shift=3).to(tg.float32))
    bn.reset_running_stats()
    assert bn.running_mean.tolist() == [0, 0] and bn.running_var.tolist() == [1, 1]
    assert bn.num_batches_tracked.item() == 0


@pytest.mark.parametrize("call, message", [
    (lambda: nn.BatchNorm1d(3)(tg.zeros(2, 3, 4, 5)), "expected 2D or 3D input"),
    (lambda: nn.BatchNorm2d(3)(tg.zeros(2, 3, 4)), "expected 4D input"),
    (lambda: nn.BatchNorm1d(3)(tg.zeros(2, 4)), "expected 3 channels"),
    (lambda: nn.BatchNorm1d(3)(tg.zeros(1, 3)), "expected more than 1 value per channel"),
])
def test_batchnorm_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- LayerNorm and GroupNorm ---------------------------------------------------------------

def test_layer_norm_normalises_each_sample_over_its_last_dimensions():
    ln = nn.LayerNorm((4, 5), dtype=f64)
    with tg.no_grad():
        ln.weight += data(4, 5)
    x = data(3, 4, 5, scale=3, shift=1)
    expected = bn_reference(x.numpy(), (1, 2)) * ln.weight.numpy() + ln.bias.numpy()
    np.testing.assert_allclose(ln(x).numpy(), expected, rtol=1e-10)
    assert repr(ln) == "LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)"
    assert list(nn.LayerNorm(3, bias=False).state_dict()) == ["weight"]
    assert list(nn.LayerNorm(3, elementwise_affine=False).parameters()) == []
    with pytest.raises(ValueError, match=r"expected input with shape \[\*, 4, 5\]"):
        ln(data(3, 5, 4))


def test_group_norm_normalises_groups_of_channels():
    gn = nn.GroupNorm(2, 6, dtype=f64)
    with tg.no_grad():
        gn.bias += data(6)
    x = data(3, 6, 4, 2, scale=2).numpy()
    grouped = x.reshape(3, 2, -1)
    expected = bn_reference(grouped, (2,)).reshape(x.shape) + gn.bias.numpy().reshape(1, 6,
                                                                                       1, 1)
    np.testing.assert_allclose(gn(tg.tensor(x)).numpy(), expected, rtol=1e-10)
    assert repr(gn) == "GroupNorm(2, 6, eps=1e-05, affine=True)"
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups"):
        nn.GroupNorm(4, 6)


# -- Embedding -----------------------------------------------------------------------------

def test_embedding_looks_up_rows_and_accumulates_gradients_of_repeats():
    emb = nn.Embedding(5, 3, dtype=f64)
    idx = tg.tensor([[1, 4, 1], [0, 1, 2]])
    out = emb(idx)
    np.testing.assert_array_equal(out.numpy(), emb.weight.numpy()[idx.numpy()])
    out.sum().backward()
    assert emb.weight.grad.numpy()[:, 0].tolist() == [1, 3, 1, 0, 1]


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    emb = nn.Embedding(4, 2, padding_idx=-1)
    assert emb.padding_idx == 3 and emb.weight.numpy()[3].tolist() == [0, 0]
    assert repr(emb) == "Embedding(4, 2, padding_idx=3)"
    with tg.no_grad():
        emb.weight += 1.0                               # a padding vector of its own
    out = emb(np.array([3, 0, 3]))
    assert out.numpy()[0].tolist() == [1, 1]            # the forward reads the row
    (out * out).sum().backward()
    assert emb.weight.grad.numpy()[3].tolist() == [0, 0]


def test_embedding_from_pretrained_is_frozen_and_initialised_as_pytorch():
    weights = tg.arange(6.0).reshape(3, 2)
    emb = nn.Embedding.from_pretrained(weights)
    assert not emb.weight.requires_grad and emb(np.array([2])).tolist() == [[4.0, 5.0]]
    tg.manual_seed(0)
    big = nn.Embedding(1000, 100).weight.numpy()     # N(0, 1), as in PyTorch
    assert abs(big.mean()) < 0.01 and abs(big.std() - 1) < 0.01


@pytest.mark.parametrize("indices, error, message", [
    (np.array([0, 5]), IndexError, "index 5 is out of range for 5 embeddings"),
    (np.array([0.0, 1.0]), TypeError, "indices must be integers"),
])
def test_embedding_errors(indices, error, message):
    with pytest.raises(error, match=message):
        nn.Embedding(5, 2)(indices)


# -- activations ---------------------------------------------------------------------------

def test_activations_follow_their_documented_formulas():
    x = np.linspace(-4, 4, 41)
    t = tg.tensor(x)
    sigmoid = 1 / (1 + np.exp(-x))
    cases = [
        (nn.LeakyReLU(0.2)(t), np.where(x > 0, x, 0.2 * x)),
        (nn.ELU(alpha=1.5)(t), np.where(x > 0, x, 1.5 * np.expm1(x))),
        (nn.SiLU()(t), x * sigmoid),
        (nn.Softplus(beta=2, threshold=3)(t), np.where(2 * x > 3, x, np.log1p(np.exp(2 * x)) / 2)),
        (nn.GELU(approximate="tanh")(t),
         0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
        (nn.GELU()(t), x * np.array([0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])),
        (nn.Identity(54, unused="x")(t), x),
    ]
    for got, expected in cases:
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-15)


def test_gelu_exact_values_and_elu_near_zero_without_cancellation():
    # x Phi(x) at 1 and -1: Phi(1) = 0.8413447460685429
    np.testing.assert_allclose(F.gelu(tg.tensor([1.0, -1.0], dtype=f64)).numpy(),
                               [0.8413447460685429, -0.15865525393145707], rtol=1e-14)
    tiny = tg.tensor([-1e-5, -3e-8], dtype=tg.float32)
    np.testing.assert_allclose(F.elu(tiny).numpy(), np.expm1(tiny.numpy().astype(f64)),
                               rtol=1e-6)


def test_activation_reprs_as_pytorch():
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.LeakyReLU(0.1, inplace=True)) == "LeakyReLU(negative_slope=0.1, inplace=True)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.SiLU()) == "SiLU()" and repr(nn.SiLU(inplace=True)) == "SiLU(inplace=True)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")


def test_extreme_inputs_give_no_overflow_or_nan():
    x = tg.tensor([-1e30, -800.0, 0.0, 800.0, 1e30], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for f in (F.elu, F.silu, F.softplus, F.leaky_relu, lambda v: F.gelu(v, "tanh")):
            x.grad = None
            out = f(x)
            out.sum().backward()
            assert np.isfinite(out.numpy()).all() and np.isfinite(x.grad.numpy()).all()


# -- shapes and pooling --------------------------------------------------------------------

def adaptive_reference(x, oh, ow):
    """PyTorch's bins: rows floor(i H / oh) to ceil((i + 1) H / oh)."""
    h, w = x.shape[-2:]
    out = np.empty(x.shape[:-2] + (oh, ow))
    for i in range(oh):
        for j in range(ow):
            rows = slice(i * h // oh, math.ceil((i + 1) * h / oh))
            cols = slice(j * w // ow, math.ceil((j + 1) * w / ow))
            out[..., i, j] = x[..., rows, cols].mean((-2, -1))
    return out


@pytest.mark.parametrize("size, output, expected", [
    ((2, 3, 6, 8), (3, 4), (3, 4)), ((2, 3, 7, 5), (3, 2), (3, 2)),
    ((3, 5, 5), 1, (1, 1)), ((1, 2, 6, 5), (None, 3), (6, 3)),
])
def test_adaptive_avg_pool2d(size, output, expected):
    x = data(*size)
    out = nn.AdaptiveAvgPool2d(output)(x)
    assert out.shape == size[:-2] + expected
    np.testing.assert_allclose(out.numpy(), adaptive_reference(x.numpy(), *expected),
                               rtol=1e-12)


def test_unflatten_is_the_inverse_of_flatten():
    x = data(2, 12)
    layer = nn.Unflatten(1, (3, 2, 2))
    assert layer(x).shape == (2, 3, 2, 2) and nn.Flatten()(layer(x)).shape == (2, 12)
    assert nn.Unflatten(-1, (4, -1))(x).shape == (2, 4, 3)
    assert repr(layer) == "Unflatten(dim=1, unflattened_size=(3, 2, 2))"


# -- gradients of every new layer ----------------------------------------------------------

def seeded_dropout(x):
    tg.manual_seed(7)                          # the same mask on every evaluation
    return F.dropout(x, 0.4)


LAYER_CASES = {
    "dropout": (seeded_dropout, [(4, 5)]),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                         [(6, 3, 2), (3,), (3,)]),
    "batch_norm_eval": (lambda x, w, b: F.batch_norm(
        x, tg.tensor([0.5, -1.0, 2.0]), tg.tensor([1.0, 4.0, 0.5]), w, b), [(6, 3), (3,), (3,)]),
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)]),
    "group_norm": (lambda x, w, b: F.group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)]),
    # (no padding_idx: its row's forward depends on the weight, its gradient is 0 by design)
    "embedding": (lambda w: F.embedding(np.array([[0, 2], [2, 1]]), w), [(3, 2)]),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), [(10,)]),
    "elu": (lambda x: F.elu(x, 1.3), [(10,)]),
    "gelu": (F.gelu, [(10,)]),
    "gelu_tanh": (lambda x: F.gelu(x, "tanh"), [(10,)]),
    "silu": (F.silu, [(10,)]),
    "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=3.0), [(10,)]),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (2, 3)), [(1, 2, 5, 7)]),
    "unflatten": (lambda x: nn.Unflatten(1, (2, 3))(x) * tg.arange(6.0, dtype=f64)
                  .reshape(2, 3), [(2, 6)]),
}


@pytest.mark.parametrize("name", LAYER_CASES)
def test_new_layers_pass_gradcheck_and_gradgradcheck(name):
    f, shapes = LAYER_CASES[name]
    # away from the kinks at 0 (leaky_relu, elu) and the switch of softplus at x = 1.5
    inputs = [tg.tensor(np.sign(v) * (np.abs(v) + 0.1), dtype=f64)
              for v in (rng.standard_normal(s) for s in shapes)]
    inputs = [tg.tensor(np.where(np.abs(v.numpy() - 1.5) < 0.05, 1.7, v.numpy()))
              for v in inputs]
    assert tg.gradcheck(f, inputs)
    assert tg.gradgradcheck(f, inputs)
