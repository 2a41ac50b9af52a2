"""tg.optim's bookkeeping as PyTorch's: parameter groups, add_param_group, state_dict and
load_state_dict, the closure, and the errors for gradients that do not fit."""

import copy

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def quadratic_step(opt, params):
    """One step on sum(p^2) / 2, whose gradient is p itself."""
    opt.zero_grad()
    sum((p * p).sum() / 2 for p in params).backward()
    opt.step()


def test_each_group_uses_its_own_lr_and_the_defaults_for_the_rest():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    quadratic_step(opt, [a, b])
    # the first momentum step is plain SGD: p - lr * p
    np.testing.assert_allclose([a.item(), b.item()], [0.9, 0.5], rtol=1e-6)


def test_a_group_may_hold_one_tensor_or_a_generator_of_them():
    layer = nn.Linear(2, 2)
    opt = optim.Adam([{"params": layer.weight}, {"params": iter([layer.bias])}])
    assert [len(g["params"]) for g in opt.param_groups] == [1, 1]


def test_add_param_group_joins_the_next_steps():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([a], lr=0.1)
    quadratic_step(opt, [a, b])
    assert b.item() == 1.0                      # not optimised yet
    opt.add_param_group({"params": [b], "lr": 0.2})
    quadratic_step(opt, [a, b])
    np.testing.assert_allclose([a.item(), b.item()], [0.81, 0.8], rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    assert len(opt.param_groups) == 2


def test_zero_grad_reaches_every_group():
    a = tg.tensor([1.0], requires_grad=True)
    b = tg.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    (a * b).sum().backward()
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def train(model, opt, steps, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        x = tg.Tensor(rng.standard_normal((8, 3)).astype(np.float32))
        opt.zero_grad()
        (model(x) ** 2).mean().backward()
        opt.step()


@pytest.mark.parametrize("make", [
    lambda p: optim.Adam(p, lr=0.05, amsgrad=True),
    lambda p: optim.SGD(p, lr=0.05, momentum=0.9),
    lambda p: optim.RMSprop(p, lr=0.01, centered=True, momentum=0.5),
    lambda p: optim.Adagrad(p, lr=0.1),
])
def test_state_dict_resumes_training_exactly(make):
    tg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = make(model.parameters())
    train(model, opt, 3)
    saved_model = copy.deepcopy(model.state_dict())
    saved_opt = copy.deepcopy(opt.state_dict())
    train(model, opt, 3, seed=1)
    # a new model and optimiser, restored, take the same 3 steps
    resumed = nn.Linear(3, 2)
    resumed.load_state_dict(saved_model)
    opt2 = make(resumed.parameters())
    opt2.load_state_dict(saved_opt)
    train(resumed, opt2, 3, seed=1)
    np.testing.assert_array_equal(resumed.weight.numpy(), model.weight.numpy())
    np.testing.assert_array_equal(resumed.bias.numpy(), model.bias.numpy())


def test_state_dict_numbers_parameters_by_position_and_keeps_group_settings():
    a = tg.zeros(2, requires_grad=True)
    b = tg.zeros(3, requires_grad=True)
    opt = optim.Adam([{"params": [a]}, {"params": [b], "lr": 0.5}])
    quadratic_step(opt, [a, b])
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1]]
    assert sd["param_groups"][1]["lr"] == 0.5 and sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(sd["state"]) == {0, 1} and sd["state"][1]["step"] == 1
    assert isinstance(sd["state"][1]["exp_avg"], tg.Tensor) and sd["state"][1]["exp_avg"].shape \
        == (3,)


def test_load_state_dict_casts_to_the_parameters_dtype_and_copies():
    w64 = tg.zeros(2, dtype=tg.float64, requires_grad=True)
    opt64 = optim.Adam([w64])
    w64.grad = tg.ones(2, dtype=tg.float64)
    opt64.step()
    w32 = tg.zeros(2, requires_grad=True)
    opt32 = optim.Adam([w32])
    sd = opt64.state_dict()
    opt32.load_state_dict(sd)
    assert opt32.state[w32]["exp_avg"].dtype == np.float32
    assert opt32.state[w32]["exp_avg"] is not sd["state"][0]["exp_avg"].numpy()


@pytest.mark.parametrize("change, message", [
    (lambda sd: sd["param_groups"].append({"params": []}), "has 2 parameter groups"),
    (lambda sd: sd["param_groups"][0]["params"].append(5), "group 0 of the loaded state dict"),
    (lambda sd: sd["state"][0].update(exp_avg=np.zeros(7)), "state 'exp_avg' has shape"),
])
def test_load_state_dict_refuses_a_mismatch_and_changes_nothing(change, message):
    w = tg.zeros(2, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    w.grad = tg.ones(2)
    opt.step()
    sd = copy.deepcopy(opt.state_dict())
    sd["param_groups"][0]["lr"] = 0.7
    change(sd)
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(sd)
    assert opt.param_groups[0]["lr"] == 0.1
    np.testing.assert_array_equal(opt.state[w]["exp_avg"], before["state"][0]["exp_avg"].numpy())


def test_a_gradient_of_the_wrong_shape_names_the_parameter():
    a = tg.zeros(2, requires_grad=True)
    b = tg.zeros(2, 3, requires_grad=True)
    b.name = "W1"
    opt = optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1)
    b.grad = tg.ones(3)
    with pytest.raises(RuntimeError, match=r"parameter 0 of group 1 \('W1'\) has shape "
                                           r"\(2, 3\) but its .grad has shape \(3,\)"):
        opt.step()


def test_step_with_a_closure_returns_its_loss():
    w = tg.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    with tg.no_grad():                      # the closure still records its graph
        assert opt.step(closure).item() == 4.0
    assert w.item() == 1.0


@pytest.mark.parametrize("make", [optim.SGD, optim.RMSprop, optim.Adagrad, optim.Adam,
                                  optim.AdamW])
def test_every_update_is_a_new_version_of_its_parameter_in_every_group(make):
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0], requires_grad=True)
    opt = make([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    (a * b).sum().backward()
    loss = (a * b).sum()                # a graph that saved a and b
    opt.step()
    assert a._version == 1 and b._version == 1
    with pytest.raises(RuntimeError, match="version 0.*version 1"):
        loss.backward()


def test_clipping_and_running_statistics_change_their_tensors_as_new_versions():
    a = tg.tensor([3.0, 4.0], requires_grad=True)
    a.grad = tg.tensor([30.0, 40.0])
    nn.utils.clip_grad_norm_([a], 1.0)
    nn.utils.clip_grad_value_([a], 0.1)
    assert a.grad._version == 3                     # *=, then zero_ and +=
    bn = nn.BatchNorm1d(2)
    before = bn.running_mean._version
    bn(tg.randn(4, 2))
    assert bn.running_mean._version > before and bn.num_batches_tracked._version == 1
