"""tg.optim.lr_scheduler: each schedule against the values in PyTorch's documentation or
its documented closed form, per epoch, and the scheduler's own bookkeeping."""

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.optim import lr_scheduler as S


def sgd(lr=0.05, groups=1, **kw):
    return optim.SGD([{"params": [tg.zeros(1, requires_grad=True)]} for _ in range(groups)],
                     lr=lr, **kw)


def lrs(scheduler, epochs, group=0):
    """The lr in force during each epoch, with the optimiser stepping before the scheduler."""
    seen = []
    for _ in range(epochs):
        seen.append(scheduler.get_last_lr()[group])
        scheduler.optimizer.step()
        scheduler.step()
    return np.array(seen)


def test_step_lr_as_in_pytorchs_docstring():
    # lr = 0.05 if epoch < 30; 0.005 if 30 <= epoch < 60; 0.0005 if 60 <= epoch < 90
    got = lrs(S.StepLR(sgd(), step_size=30, gamma=0.1), 90)
    np.testing.assert_allclose(got, [0.05] * 30 + [0.005] * 30 + [0.0005] * 30, rtol=1e-12)


def test_multi_step_lr_as_in_pytorchs_docstring():
    # lr = 0.05 if epoch < 30; 0.005 if 30 <= epoch < 80; 0.0005 if epoch >= 80
    got = lrs(S.MultiStepLR(sgd(), milestones=[30, 80], gamma=0.1), 100)
    np.testing.assert_allclose(got, [0.05] * 30 + [0.005] * 50 + [0.0005] * 20, rtol=1e-12)


def test_linear_lr_as_in_pytorchs_docstring():
    # lr = 0.025 if epoch == 0, 0.03125 if 1, 0.0375 if 2, 0.04375 if 3, 0.05 if epoch >= 4
    got = lrs(S.LinearLR(sgd(), start_factor=0.5, total_iters=4), 7)
    np.testing.assert_allclose(got, [0.025, 0.03125, 0.0375, 0.04375, 0.05, 0.05, 0.05],
                               rtol=1e-12)


def test_exponential_lr_is_lr0_gamma_to_the_t():
    got = lrs(S.ExponentialLR(sgd(), gamma=0.9), 20)
    np.testing.assert_allclose(got, 0.05 * 0.9 ** np.arange(20), rtol=1e-12)


def test_cosine_annealing_follows_its_closed_form_down_and_back_up():
    T, eta_min = 10, 0.001
    got = lrs(S.CosineAnnealingLR(sgd(), T_max=T, eta_min=eta_min), 3 * T)
    t = np.arange(3 * T)
    closed = eta_min + (0.05 - eta_min) * (1 + np.cos(np.pi * t / T)) / 2
    np.testing.assert_allclose(got, closed, rtol=1e-10)
    assert got[T] == pytest.approx(eta_min)


def test_lambda_lr_one_function_per_group():
    opt = sgd(groups=2)
    scheduler = S.LambdaLR(opt, lr_lambda=[lambda e: e // 30, lambda e: 0.95 ** e])
    assert scheduler.get_last_lr() == [0.0, 0.05]
    got = lrs(scheduler, 40, group=1)
    np.testing.assert_allclose(got, 0.05 * 0.95 ** np.arange(40), rtol=1e-12)
    assert opt.param_groups[0]["lr"] == 0.05 * 1        # epoch 40: 40 // 30 = 1


def test_schedulers_chain_by_multiplying():
    # PyTorch's docs: ExponentialLR(0.9) and MultiStepLR([30, 80]) stepped together
    opt = sgd(lr=1.0)
    first = S.ExponentialLR(opt, gamma=0.9)
    second = S.MultiStepLR(opt, milestones=[3], gamma=0.1)
    for _ in range(5):
        opt.step()
        first.step()
        second.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.9 ** 5 * 0.1)


def test_one_cycle_lr_follows_its_two_phases():
    # total 10, pct_start 0.3: lr climbs from 1/25 to 1 over steps 0..2 (cosine), then
    # anneals to 1/25/1e4 at step 9; momentum moves the other way between 0.95 and 0.85
    opt = sgd(lr=0.1, momentum=0.9)
    scheduler = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    seen, momenta = [], []
    for _ in range(10):
        seen.append(scheduler.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
        opt.step()
        scheduler.step()
    cos_anneal = lambda start, end, pct: end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
    expected = [cos_anneal(0.04, 1.0, t / 2) for t in range(3)] + \
        [cos_anneal(1.0, 4e-6, (t - 2) / 7) for t in range(3, 10)]
    np.testing.assert_allclose(seen, expected, rtol=1e-12)
    np.testing.assert_allclose([momenta[0], momenta[2], momenta[9]], [0.95, 0.85, 0.95])
    with pytest.raises(ValueError, match="tried to step 11 times"):
        scheduler.step()


def test_one_cycle_three_phases_linear_with_adam_cycles_beta1():
    opt = optim.Adam([tg.zeros(1, requires_grad=True)])
    scheduler = S.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=5,
                             anneal_strategy="linear", three_phase=True)
    got = lrs(scheduler, 10)
    # phases end at steps 2, 4 and 9: up to max, back to max/25, down to max/25/1e4
    np.testing.assert_allclose(got[[0, 1, 2, 3, 4, 9]], [0.04, 0.52, 1.0, 0.52, 0.04, 4e-6])
    assert opt.param_groups[0]["betas"][0] == pytest.approx(0.95)


def test_one_cycle_needs_a_length_and_a_momentum():
    with pytest.raises(ValueError, match="either total_steps OR"):
        S.OneCycleLR(sgd(), max_lr=1.0)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        S.OneCycleLR(optim.Adagrad([tg.zeros(1, requires_grad=True)]), 1.0, total_steps=5)


def test_reduce_lr_on_plateau_waits_patience_then_cools_down():
    opt = sgd(lr=1.0)
    scheduler = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.2)
    history = []
    for loss in [5, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]:
        scheduler.step(loss)
        history.append(scheduler.get_last_lr()[0])
    # bad epochs 1, 2, 3 -> cut at the 3rd (epoch 5); one epoch of cooldown; then 3 more
    assert history == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25]
    scheduler.step(4)
    scheduler.step(4)
    assert scheduler.get_last_lr() == [0.2]                       # never below min_lr


def test_reduce_lr_on_plateau_thresholds_and_max_mode():
    opt = sgd(lr=1.0)
    rel = S.ReduceLROnPlateau(opt, mode="max", patience=0, threshold=0.1)
    rel.step(1.0)
    rel.step(1.05)                 # not 10% better than 1.0: a bad epoch, cut at once
    assert rel.get_last_lr() == [pytest.approx(0.1)] and rel.best == 1.0
    absolute = S.ReduceLROnPlateau(sgd(lr=1.0), patience=0, threshold=0.5, threshold_mode="abs")
    absolute.step(3.0)
    absolute.step(2.6)             # better by less than 0.5
    assert absolute.get_last_lr() == [pytest.approx(0.1)]
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        S.ReduceLROnPlateau(opt, factor=2)


def test_state_dict_resumes_a_schedule():
    scheduler = S.CosineAnnealingLR(sgd(), T_max=10)
    lrs(scheduler, 4)
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 4
    fresh_opt = sgd()
    fresh_opt.load_state_dict(scheduler.optimizer.state_dict())
    resumed = S.CosineAnnealingLR(fresh_opt, T_max=10)
    resumed.load_state_dict(saved)
    fresh_opt.param_groups[0]["lr"] = scheduler.get_last_lr()[0]
    np.testing.assert_allclose(lrs(resumed, 5), lrs(scheduler, 5), rtol=1e-12)


def test_resuming_needs_initial_lr_in_the_groups():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(sgd(), step_size=2, last_epoch=3)
    opt = sgd()
    S.StepLR(opt, step_size=2)
    resumed = S.StepLR(opt, step_size=2, gamma=0.5, last_epoch=3)
    assert resumed.last_epoch == 4 and resumed.base_lrs == [0.05]


def test_lambda_lr_state_dict_leaves_out_the_functions():
    scheduler = S.LambdaLR(sgd(), lambda e: 1.0)
    assert "lr_lambdas" not in scheduler.state_dict()
