"""tg.optim: each optimiser's steps against a plain-numpy transcription of the algorithm
box in PyTorch's documentation (written here, independently of tinygrad_edu/optim/), and
the bookkeeping PyTorch's optimisers share: parameter groups, state_dict, bad input."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim

# ---------------------------------------------------------------------------------------
# The references: one function per algorithm, (theta, g, state, t, **hyper) -> theta,
# following the documentation's symbols line by line. State starts as {}.
# ---------------------------------------------------------------------------------------


def sgd_reference(theta, g, state, t, lr, momentum=0, dampening=0, weight_decay=0,
                  nesterov=False):
    if weight_decay != 0:
        g = g + weight_decay * theta
    if momentum != 0:
        if t > 1:
            state["b"] = momentum * state["b"] + (1 - dampening) * g
        else:
            state["b"] = g
        g = g + momentum * state["b"] if nesterov else state["b"]
    return theta - lr * g


def rmsprop_reference(theta, g, state, t, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0,
                      momentum=0, centered=False):
    if weight_decay != 0:
        g = g + weight_decay * theta
    state["v"] = alpha * state.get("v", 0) + (1 - alpha) * g ** 2
    v_tilde = state["v"]
    if centered:
        state["g_ave"] = state.get("g_ave", 0) * alpha + (1 - alpha) * g
        v_tilde = v_tilde - state["g_ave"] ** 2
    if momentum > 0:
        state["b"] = momentum * state.get("b", 0) + g / (np.sqrt(v_tilde) + eps)
        return theta - lr * state["b"]
    return theta - lr * g / (np.sqrt(v_tilde) + eps)


def adagrad_reference(theta, g, state, t, lr=0.01, lr_decay=0, weight_decay=0,
                      initial_accumulator_value=0, eps=1e-10):
    gamma = lr / (1 + (t - 1) * lr_decay)
    if weight_decay != 0:
        g = g + weight_decay * theta
    state["sum"] = state.get("sum", initial_accumulator_value) + g ** 2
    return theta - gamma * g / (np.sqrt(state["sum"]) + eps)


def adam_reference(theta, g, state, t, lr=0.001, betas=(0.9, 0.999), eps=1e-8,
                   weight_decay=0, amsgrad=False, decoupled=False):
    beta1, beta2 = betas
    if decoupled:                    # AdamW
        theta = theta - lr * weight_decay * theta
    elif weight_decay != 0:          # Adam
        g = g + weight_decay * theta
    state["m"] = beta1 * state.get("m", 0) + (1 - beta1) * g
    state["v"] = beta2 * state.get("v", 0) + (1 - beta2) * g ** 2
    m_hat = state["m"] / (1 - beta1 ** t)
    if amsgrad:
        state["v_max"] = np.maximum(state.get("v_max", 0), state["v"])
        v_hat = state["v_max"] / (1 - beta2 ** t)
    else:
        v_hat = state["v"] / (1 - beta2 ** t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_reference(theta, g, state, t, weight_decay=0.01, **hyper):
    return adam_reference(theta, g, state, t, weight_decay=weight_decay, decoupled=True,
                          **hyper)


# ---------------------------------------------------------------------------------------
# A fixed problem: least squares for W (3, 2) and b (2,), whose gradient we know in closed
# form, so the reference needs no autodiff. Its curvature differs along each direction, so
# the adaptive methods take visibly different steps.
# ---------------------------------------------------------------------------------------

data_rng = np.random.default_rng(0)
X = data_rng.standard_normal((20, 3)) * [1.0, 3.0, 0.3]
Y = data_rng.standard_normal((20, 2))
W0, B0 = data_rng.standard_normal((3, 2)), data_rng.standard_normal(2)


def loss(W, b):
    return ((tg.Tensor(X) @ W + b - tg.Tensor(Y)) ** 2).mean()


def closed_form_gradients(W, b):
    r = 2 * (X @ W + b - Y) / Y.size
    return X.T @ r, r.sum(0)


CASES = [
    (optim.SGD, sgd_reference, dict(lr=0.05)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.9)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    (optim.SGD, sgd_reference, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    (optim.RMSprop, rmsprop_reference, dict()),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.02, alpha=0.9, momentum=0.5)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, centered=True, weight_decay=0.1)),
    (optim.RMSprop, rmsprop_reference, dict(lr=0.01, centered=True, momentum=0.9, eps=1e-3)),
    (optim.Adagrad, adagrad_reference, dict()),
    (optim.Adagrad, adagrad_reference, dict(lr=0.1, lr_decay=0.5, weight_decay=0.2,
                                             initial_accumulator_value=0.3)),
    (optim.Adam, adam_reference, dict()),
    (optim.Adam, adam_reference, dict(lr=0.1, betas=(0.5, 0.9), weight_decay=0.1)),
    (optim.Adam, adam_reference, dict(lr=0.1, betas=(0.8, 0.99), amsgrad=True)),
    (optim.AdamW, adamw_reference, dict()),
    (optim.AdamW, adamw_reference, dict(lr=0.1, weight_decay=0.5, amsgrad=True, eps=1e-4)),
]


@pytest.mark.parametrize("optimizer, reference, hyper", CASES,
                         ids=[f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)])
def test_steps_match_pytorchs_documented_algorithm(optimizer, reference, hyper):
    W = tg.Tensor(W0.copy(), requires_grad=True)
    b = tg.Tensor(B0.copy(), requires_grad=True)
    opt = optimizer([W, b], **hyper)
    W_ref, b_ref, state_W, state_b = W0.copy(), B0.copy(), {}, {}
    for t in range(1, 8):
        opt.zero_grad()
        loss(W, b).backward()
        opt.step()
        gW, gb = closed_form_gradients(W_ref, b_ref)
        W_ref = reference(W_ref, gW, state_W, t, **hyper)
        b_ref = reference(b_ref, gb, state_b, t, **hyper)
        np.testing.assert_allclose(W.numpy(), W_ref, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(b.numpy(), b_ref, rtol=1e-10, atol=1e-12)
    assert not np.allclose(W.numpy(), W0)   # the steps moved the weights


@pytest.mark.parametrize("optimizer, reference, hyper", CASES[::2])
def test_float32_stays_float32_in_place(optimizer, reference, hyper):
    layer = nn.Linear(3, 2)
    weight_array = layer.weight.array
    opt = optimizer(layer.parameters(), **hyper)
    for _ in range(3):
        opt.zero_grad()
        ((layer(tg.Tensor(X.astype(np.float32))) - tg.Tensor(Y.astype(np.float32))) ** 2) \
            .mean().backward()
        opt.step()
    assert layer.weight.array is weight_array and weight_array.dtype == np.float32
    assert layer.bias.dtype == np.float32


def test_parameters_without_gradient_are_skipped_and_keep_their_own_step_count():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    (a * a).sum().backward()
    opt.step()
    assert b.numpy()[0] == 3.0 and b not in opt.state
    opt.zero_grad()
    (a * b).sum().backward()
    opt.step()
    # b's first step: Adam's first step moves each entry by lr (m_hat / sqrt(v_hat) = sign g)
    np.testing.assert_allclose(b.numpy(), [2.9], rtol=1e-6)
    assert opt.state[a]["step"] == 2 and opt.state[b]["step"] == 1


def test_zero_grad():
    w = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert w.grad.numpy().tolist() == [0.0]
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("optimizer", [optim.SGD, optim.Adam])
def test_weight_decay_is_the_gradient_of_half_lambda_times_the_l2_penalty(optimizer):
    lam = 0.3
    runs = []
    for decay in (True, False):
        W = tg.Tensor(W0.copy(), requires_grad=True)
        b = tg.Tensor(B0.copy(), requires_grad=True)
        opt = optimizer([W, b], lr=0.05, weight_decay=lam if decay else 0)
        for _ in range(5):
            opt.zero_grad()
            penalty = 0 if decay else lam / 2 * nn.functional.l2_penalty([W, b])
            (loss(W, b) + penalty).backward()
            opt.step()
        runs.append(W.numpy())
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-10)


def test_adam_fits_the_least_squares_problem():
    W = tg.Tensor(W0.copy(), requires_grad=True)
    b = tg.Tensor(B0.copy(), requires_grad=True)
    opt = optim.Adam([W, b], lr=0.05)
    for _ in range(500):
        opt.zero_grad()
        loss(W, b).backward()
        opt.step()
    design = np.hstack([X, np.ones((20, 1))])
    best = np.linalg.lstsq(design, Y, rcond=None)[0]
    np.testing.assert_allclose(W.numpy(), best[:3], atol=1e-3)


def test_repr_lists_each_group_as_pytorch_does():
    w = tg.tensor([1.0], requires_grad=True)
    assert repr(optim.SGD([w], lr=0.1, momentum=0.9)) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    momentum: 0.9\n"
        "    nesterov: False\n    weight_decay: 0\n)")


# ---------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------

w = tg.tensor([1.0], requires_grad=True)


@pytest.mark.parametrize("call, error, message", [
    (lambda: optim.SGD([], lr=0.1), ValueError, "SGD: got an empty list of parameters"),
    (lambda: optim.Adam(nn.Sequential().parameters()), ValueError,
     "Adam: got an empty list of parameters"),
    (lambda: optim.SGD([w], lr=-0.1), ValueError, "SGD: lr must be a number >= 0, got -0.1"),
    (lambda: optim.Adam([w], lr="fast"), ValueError, "Adam: lr must be a number >= 0"),
    (lambda: optim.Adam([w], betas=(0.9, 1.0)), ValueError,
     r"Adam: beta2 must be in \[0, 1\), got 1.0"),
    (lambda: optim.AdamW([w], betas=(-0.1, 0.9)), ValueError, "AdamW: beta1 must be a number"),
    (lambda: optim.Adam([w], betas=0.9), ValueError, "Adam: betas must be a pair"),
    (lambda: optim.SGD([w], momentum=-0.5), ValueError, "SGD: momentum must be a number >= 0"),
    (lambda: optim.SGD([w], nesterov=True), ValueError,
     "SGD: Nesterov momentum needs momentum > 0 and dampening = 0"),
    (lambda: optim.RMSprop([w], eps=-1), ValueError, "RMSprop: eps must be a number >= 0"),
    (lambda: optim.Adagrad([w], lr_decay=-1), ValueError, "Adagrad: lr_decay must be"),
    (lambda: optim.SGD([w], weight_decay=-1), ValueError, "SGD: weight_decay must be"),
    (lambda: optim.SGD(w, lr=0.1), TypeError, "SGD: params must be an iterable of tensors"),
    (lambda: optim.SGD([w, 3.0], lr=0.1), TypeError, "SGD: parameter 1 is a float"),
    (lambda: optim.SGD([{"params": [w]}, w], lr=0.1), TypeError, "must be a dict"),
    (lambda: optim.SGD([{"params": {w}}], lr=0.1), TypeError, "ordered collection"),
    (lambda: optim.SGD([{"params": [w], "lr": -1}], lr=0.1), ValueError, "lr must be"),
    (lambda: optim.SGD([w, w], lr=0.1), ValueError, "parameter 1 appears twice"),
    (lambda: optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1), ValueError,
     "some parameters appear in more than one parameter group"),
    (lambda: optim.SGD([w * 2], lr=0.1), ValueError, "SGD: parameter 0 is not a leaf"),
])
def test_bad_settings_get_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()
