"""Optimisers: SGD, RMSprop, Adagrad, Adam and AdamW, each step as PyTorch documents it.

An optimiser holds a list of parameters. `step()` reads each parameter's `.grad` (filled by
`loss.backward()`) and moves its numbers in place, which counts as a new version of the
parameter, as in PyTorch; parameters without a gradient are skipped. The updates are plain
numpy on the arrays, outside any graph, and keep the parameter's dtype (Python-number
hyperparameters do not turn float32 into float64).

Every `step` below transcribes the algorithm box of PyTorch's documentation line by line,
with its symbols: g the gradient, lr (gamma), weight decay (lambda), momentum (mu), ...;
tests check several steps against an independent numpy transcription.

>>> import tinygrad_edu as tg
>>> w = tg.tensor([1.0, -2.0], requires_grad=True)
>>> opt = tg.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
tensor([ 0.8, -1.6], requires_grad=True)
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable

import numpy as np

from .primitive import bump_version
from .tensor import Tensor


class Optimizer:
    """Base class: keeps the parameters and, per parameter, the state its rule needs."""

    def __init__(self, params: Iterable[Tensor], lr: float):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of tensors (e.g. "
                            f"model.parameters() or [w, b]), got a single Tensor")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters to optimise")
        for i, p in enumerate(self.params):
            if isinstance(p, dict):
                raise TypeError(f"{name}: parameter groups (dicts) are not supported; "
                                f"pass the tensors themselves")
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {i} is not a leaf tensor (it was "
                                 f"computed from others); optimise the tensors you created")
        self.lr = self._at_least(0, lr=lr)
        self.state: list[dict] = [{} for _ in self.params]

    def _at_least(self, least: float, **value: float) -> float:
        """Check one hyperparameter, named as a keyword, against its lower bound."""
        ((key, v),) = value.items()
        if not isinstance(v, numbers.Real) or isinstance(v, bool) or not v >= least:
            raise ValueError(f"{type(self).__name__}: {key} must be a number >= {least}, "
                             f"got {v!r}")
        return float(v)

    def _below_one(self, **value: float) -> float:
        ((key, v),) = value.items()
        self._at_least(0, **value)
        if not v < 1:
            raise ValueError(f"{type(self).__name__}: {key} must be in [0, 1), got {v!r}")
        return float(v)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward: `.grad = None` (PyTorch's
        default), or zeros."""
        for p in self.params:
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = Tensor(np.zeros_like(p.array))

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                state["step"] = state.get("step", 0) + 1
                g = p.grad.array
                self._update(p.array, g if g.dtype == p.array.dtype else g.astype(p.array.dtype),
                             state)
                bump_version(p)  # a graph that saved p's old numbers must not use them

    def _update(self, theta: np.ndarray, g: np.ndarray, state: dict) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        settings = ", ".join(f"{k}={v}" for k, v in vars(self).items()
                             if k not in ("params", "state"))
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (classical or Nesterov) and
    weight decay (an L2 penalty added to the gradient). The article's update is plain
    SGD: w <- w - lr * g.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False):
        super().__init__(params, lr)
        self.momentum = self._at_least(0, momentum=momentum)
        self.dampening = float(dampening)
        self.weight_decay = self._at_least(0, weight_decay=weight_decay)
        self.nesterov = bool(nesterov)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, theta, g, state):
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        if self.momentum != 0:
            if state["step"] > 1:
                b = state["momentum_buffer"]
                b *= self.momentum
                b += (1 - self.dampening) * g
            else:
                b = state["momentum_buffer"] = g.copy()
            g = g + self.momentum * b if self.nesterov else b
        theta -= self.lr * g


class RMSprop(Optimizer):
    """Divide each gradient by a running root mean square of its recent values (Hinton);
    `centered` subtracts the running mean first (a variance instead of a second moment)."""

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False):
        super().__init__(params, lr)
        self.alpha = self._at_least(0, alpha=alpha)
        self.eps = self._at_least(0, eps=eps)
        self.weight_decay = self._at_least(0, weight_decay=weight_decay)
        self.momentum = self._at_least(0, momentum=momentum)
        self.centered = bool(centered)

    def _update(self, theta, g, state):
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        v = state.setdefault("square_avg", np.zeros_like(theta))
        v *= self.alpha
        v += (1 - self.alpha) * g * g
        v_tilde = v
        if self.centered:
            g_ave = state.setdefault("grad_avg", np.zeros_like(theta))
            g_ave *= self.alpha
            g_ave += (1 - self.alpha) * g
            v_tilde = v - g_ave * g_ave
        if self.momentum > 0:
            b = state.setdefault("momentum_buffer", np.zeros_like(theta))
            b *= self.momentum
            b += g / (np.sqrt(v_tilde) + self.eps)
            theta -= self.lr * b
        else:
            theta -= self.lr * g / (np.sqrt(v_tilde) + self.eps)


class Adagrad(Optimizer):
    """Divide each gradient by the root of the sum of all its past squares (Duchi et al.):
    rarely updated weights keep larger steps."""

    def __init__(self, params, lr: float = 0.01, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10):
        super().__init__(params, lr)
        self.lr_decay = self._at_least(0, lr_decay=lr_decay)
        self.weight_decay = self._at_least(0, weight_decay=weight_decay)
        self.initial_accumulator_value = self._at_least(
            0, initial_accumulator_value=initial_accumulator_value)
        self.eps = self._at_least(0, eps=eps)

    def _update(self, theta, g, state):
        lr = self.lr / (1 + (state["step"] - 1) * self.lr_decay)
        if self.weight_decay != 0:
            g = g + self.weight_decay * theta
        total = state.setdefault("sum", np.full_like(theta, self.initial_accumulator_value))
        total += g * g
        theta -= lr * g / (np.sqrt(total) + self.eps)


class Adam(Optimizer):
    """Adaptive moments (Kingma and Ba): running means of the gradient (m) and of its
    square (v), corrected for their start at zero; `amsgrad` divides by the largest v seen.
    `weight_decay` adds lam * w to the gradient (an L2 penalty); see AdamW for the other way.
    """

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False):
        super().__init__(params, lr)
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        self.betas = (self._below_one(beta1=betas[0]), self._below_one(beta2=betas[1]))
        self.eps = self._at_least(0, eps=eps)
        self.weight_decay = self._at_least(0, weight_decay=weight_decay)
        self.amsgrad = bool(amsgrad)

    def _decay(self, theta, g):
        """Adam: weight decay as an L2 penalty's gradient, added to g."""
        return g + self.weight_decay * theta if self.weight_decay != 0 else g

    def _update(self, theta, g, state):
        (beta1, beta2), t = self.betas, state["step"]
        g = self._decay(theta, g)
        m = state.setdefault("exp_avg", np.zeros_like(theta))
        v = state.setdefault("exp_avg_sq", np.zeros_like(theta))
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        if self.amsgrad:
            v_max = state.setdefault("max_exp_avg_sq", np.zeros_like(theta))
            np.maximum(v_max, v, out=v_max)
            v_hat = v_max / (1 - beta2 ** t)
        else:
            v_hat = v / (1 - beta2 ** t)
        theta -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): the weights shrink by
    lr * lam * w each step, outside the adaptive scaling, instead of lam * w joining g."""

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _decay(self, theta, g):
        theta -= self.lr * self.weight_decay * theta
        return g
