"""Learning-rate schedules, as `torch.optim.lr_scheduler`.

A scheduler changes the "lr" of each parameter group of an optimiser. Call
`scheduler.step()` once per epoch (or per batch, for OneCycleLR), after `optimizer.step()`.
Creating a scheduler already takes its first step (epoch 0), as in PyTorch.

The rules are PyTorch's recursive ("chainable") forms: each step multiplies the group's
current lr, so two schedulers on one optimiser combine, and a lr changed by hand stays
changed. Each docstring also gives the closed form, lr at epoch t from the initial lr.

>>> import tinygrad_edu as tg
>>> opt = tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.05)
>>> sched = tg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.1)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step()
...     sched.step()
>>> [round(lr, 6) for lr in lrs]
[0.05, 0.05, 0.005, 0.005, 0.0005]
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

from .optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses give `get_lr()`, the lrs for epoch `self.last_epoch`."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(self).__name__}: {type(optimizer).__name__} is not an "
                            f"Optimizer")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"{type(self).__name__}: param 'initial_lr' is not specified in "
                               f"param_groups[{i}] when resuming an optimizer")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self.step()

    def get_lr(self) -> list[float]:
        raise NotImplementedError(f"{type(self).__name__} has no get_lr()")

    def current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:
        """Move to the next epoch and set each group's lr."""
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = self.current_lrs()

    def get_last_lr(self) -> list[float]:
        """The lr of each group as the last step set it."""
        return self._last_lr

    def state_dict(self) -> dict:
        """The scheduler's counters and settings: everything but the optimiser."""
        return {key: value for key, value in vars(self).items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        vars(self).update(state_dict)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(last_epoch={self.last_epoch}, lr={self.get_last_lr()})"


class StepLR(LRScheduler):
    """Multiply lr by `gamma` every `step_size` epochs: lr_t = lr_0 * gamma^(t // step_size)."""

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self.current_lrs()
        return [lr * self.gamma for lr in self.current_lrs()]


class MultiStepLR(LRScheduler):
    """Multiply lr by `gamma` at each milestone epoch:
    lr_t = lr_0 * gamma^(number of milestones <= t)."""

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones, self.gamma = Counter(milestones), gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        times = self.milestones.get(self.last_epoch, 0)   # a milestone listed twice: gamma^2
        return [lr * self.gamma ** times for lr in self.current_lrs()]


class ExponentialLR(LRScheduler):
    """Multiply lr by `gamma` every epoch: lr_t = lr_0 * gamma^t."""

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        factor = 1.0 if self.last_epoch == 0 else self.gamma
        return [lr * factor for lr in self.current_lrs()]


class LinearLR(LRScheduler):
    """Scale lr by a factor that moves linearly from `start_factor` to `end_factor` over
    `total_iters` epochs, then stays (a warm-up): lr_t = lr_0 * (s + (e - s) *
    min(t, total_iters) / total_iters)."""

    def __init__(self, optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1] and end_factor in "
                             f"[0, 1], got {start_factor} and {end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, s, e = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * s for lr in self.current_lrs()]
        if t > self.total_iters:
            return self.current_lrs()
        # the factor at t over the factor at t - 1
        ratio = 1 + (e - s) / (self.total_iters * s + (t - 1) * (e - s))
        return [lr * ratio for lr in self.current_lrs()]


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from lr_0 down to `eta_min` over `T_max` epochs (SGDR without
    restarts): lr_t = eta_min + (lr_0 - eta_min) (1 + cos(pi t / T_max)) / 2."""

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, eta = self.last_epoch, self.T_max, self.eta_min
        pairs = zip(self.current_lrs(), self.base_lrs)
        if t == 0:
            return self.current_lrs()
        if self._step_count == 1:      # resumed at t > 0: the closed form
            return [eta + (base - eta) * (1 + math.cos(t * math.pi / T)) / 2 for base in
                    self.base_lrs]
        if (t - 1 - T) % (2 * T) == 0:  # past the bottom, the cosine climbs back
            return [lr + (base - eta) * (1 - math.cos(math.pi / T)) / 2 for lr, base in pairs]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (lr - eta) + eta for lr, _ in pairs]


class LambdaLR(LRScheduler):
    """lr_t = lr_0 * lr_lambda(t), with one function for all groups or one per group."""

    def __init__(self, optimizer, lr_lambda: Callable[[int], float] | list, last_epoch: int = -1):
        groups = len(optimizer.param_groups)
        lambdas = lr_lambda if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
        if len(lambdas) != groups:
            raise ValueError(f"LambdaLR: expected {groups} lr_lambdas, but got {len(lambdas)}")
        self.lr_lambdas = list(lambdas)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict:
        """As the base class's, without the functions (they are code, not state)."""
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith and Topin): lr climbs from max_lr / div_factor to max_lr over
    the first `pct_start` of `total_steps`, then anneals to that start / final_div_factor;
    momentum (or Adam's beta1) moves the opposite way, between max_momentum and
    base_momentum. Step it after every batch."""

    def __init__(self, optimizer, max_lr, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        self.total_steps = _total_steps(total_steps, epochs, steps_per_epoch)
        if not 0 <= pct_start <= 1 or isinstance(pct_start, bool):
            raise ValueError(f"OneCycleLR: expected a float between 0 and 1 for pct_start, "
                             f"got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy, self.cycle_momentum = anneal_strategy, cycle_momentum
        self._phases = _one_cycle_phases(float(pct_start * self.total_steps), self.total_steps,
                                         three_phase)
        groups = optimizer.param_groups
        max_lrs = max_lr if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        for group, top in zip(groups, max_lrs):
            if last_epoch == -1:
                group.update(initial_lr=top / div_factor, max_lr=top,
                             min_lr=top / div_factor / final_div_factor)
        self.use_beta1 = "betas" in optimizer.defaults
        if cycle_momentum:
            _start_momentum(optimizer, base_momentum, max_momentum, last_epoch == -1)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self):
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {t} times; the specified number of "
                             f"total steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._phases):
                if t <= phase["end_step"] or i == len(self._phases) - 1:
                    pct = (t - start) / (phase["end_step"] - start)
                    break
                start = phase["end_step"]
            lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
            if self.cycle_momentum:
                m = self._anneal(group[phase["start_momentum"]], group[phase["end_momentum"]],
                                 pct)
                if self.use_beta1:
                    group["betas"] = (m, *group["betas"][1:])
                else:
                    group["momentum"] = m
        return lrs


def _total_steps(total_steps, epochs, steps_per_epoch) -> int:
    if total_steps is None:
        if epochs is None or steps_per_epoch is None:
            raise ValueError("OneCycleLR: you must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        total_steps = epochs * steps_per_epoch
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps <= 0:
        raise ValueError(f"OneCycleLR: expected a positive integer total_steps, got "
                         f"{total_steps!r}")
    return total_steps


def _one_cycle_phases(warm_end: float, total: int, three_phase: bool) -> list[dict]:
    """PyTorch's phases: (end step, the group keys to move between for lr and momentum)."""
    up = dict(start_lr="initial_lr", end_lr="max_lr", start_momentum="max_momentum",
              end_momentum="base_momentum")
    if not three_phase:
        down = dict(start_lr="max_lr", end_lr="min_lr", start_momentum="base_momentum",
                    end_momentum="max_momentum")
        return [dict(end_step=warm_end - 1, **up), dict(end_step=total - 1, **down)]
    back = dict(start_lr="max_lr", end_lr="initial_lr", start_momentum="base_momentum",
                end_momentum="max_momentum")
    last = dict(start_lr="initial_lr", end_lr="min_lr", start_momentum="max_momentum",
                end_momentum="max_momentum")
    return [dict(end_step=warm_end - 1, **up), dict(end_step=2 * warm_end - 2, **back),
            dict(end_step=total - 1, **last)]


def _start_momentum(optimizer, base: float, top: float, fresh: bool) -> None:
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("OneCycleLR: optimizer must support momentum or beta1 with "
                         "`cycle_momentum` option enabled")
    for group in optimizer.param_groups:
        if fresh:
            if "betas" in optimizer.defaults:
                group["betas"] = (top, *group["betas"][1:])
            else:
                group["momentum"] = top
        group["max_momentum"], group["base_momentum"] = top, base


class ReduceLROnPlateau(LRScheduler):
    """Divide lr by 1 / `factor` when a metric (say the validation loss, passed to
    `step(metric)`) has not improved for more than `patience` epochs.

    Better means below best * (1 - threshold) in mode "min" with threshold_mode "rel"
    (above best * (1 + threshold) in mode "max"; best -/+ threshold with "abs"). After a
    cut, `cooldown` epochs pass before counting again; lr never goes below `min_lr`.

    >>> import tinygrad_edu as tg
    >>> opt = tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = tg.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max' and threshold_mode "
                             f"'rel' or 'abs', got {mode!r} and {threshold_mode!r}")
        # no super().__init__(): no first step and no initial_lr; only get_last_lr and
        # the state dicts come from LRScheduler (as in PyTorch)
        groups = optimizer.param_groups
        self.min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else \
            [min_lr] * len(groups)
        if len(self.min_lrs) != len(groups):
            raise ValueError(f"ReduceLROnPlateau: expected {len(groups)} min_lrs, got "
                             f"{len(self.min_lrs)}")
        self.optimizer, self.mode, self.factor, self.patience = optimizer, mode, factor, patience
        self.threshold, self.threshold_mode, self.cooldown, self.eps = \
            threshold, threshold_mode, cooldown, eps
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self._last_lr = [group["lr"] for group in groups]

    def is_better(self, a: float, best: float) -> bool:
        sign = 1 if self.mode == "min" else -1
        if self.threshold_mode == "rel":
            return sign * a < sign * best * (1 - sign * self.threshold)
        return sign * a < sign * best - self.threshold

    def step(self, metrics) -> None:
        """Count one epoch with this value of the metric; cut lr after too many bad ones."""
        current = float(metrics)
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0        # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
                new_lr = max(group["lr"] * self.factor, min_lr)
                if group["lr"] - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]
