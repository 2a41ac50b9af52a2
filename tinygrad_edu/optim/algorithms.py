"""The update rules: SGD, RMSprop, Adagrad, Adam and AdamW, each as PyTorch documents it.

Every `_update` below transcribes the algorithm box of PyTorch's documentation line by
line, with its symbols: g the gradient, lr (gamma), weight decay (lambda), momentum (mu),
...; tests check several steps against an independent numpy transcription. `theta` is the
parameter's own array, changed in place; `group` holds the settings of its group.

>>> import tinygrad_edu as tg
>>> w = tg.tensor([1.0, -2.0], requires_grad=True)
>>> opt = tg.optim.SGD([w], lr=0.1)
>>> (w * w).sum().backward()
>>> opt.step()
>>> w
tensor([ 0.8000, -1.6000], requires_grad=True)
"""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with momentum (classical or Nesterov) and
    weight decay (an L2 penalty added to the gradient). The article's update is plain
    SGD: w <- w - lr * g.
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_group(self, group):
        self.at_least(0, group, "lr", "momentum", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum needs momentum > 0 and dampening = 0")

    def _update(self, theta, g, state, group):
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            if "momentum_buffer" in state:
                b = state["momentum_buffer"]
                b *= momentum
                b += (1 - group["dampening"]) * g
            else:
                b = state["momentum_buffer"] = g.copy()
            g = g + momentum * b if group["nesterov"] else b
        theta -= group["lr"] * g


class RMSprop(Optimizer):
    """Divide each gradient by a running root mean square of its recent values (Hinton);
    `centered` subtracts the running mean first (a variance instead of a second moment)."""

    def __init__(self, params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_group(self, group):
        self.at_least(0, group, "lr", "alpha", "eps", "weight_decay", "momentum")

    def _update(self, theta, g, state, group):
        alpha, eps = group["alpha"], group["eps"]
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        v = state.setdefault("square_avg", np.zeros_like(theta))
        v *= alpha
        v += (1 - alpha) * g * g
        v_tilde = v
        if group["centered"]:
            g_ave = state.setdefault("grad_avg", np.zeros_like(theta))
            g_ave *= alpha
            g_ave += (1 - alpha) * g
            v_tilde = v - g_ave * g_ave
        if group["momentum"] > 0:
            b = state.setdefault("momentum_buffer", np.zeros_like(theta))
            b *= group["momentum"]
            b += g / (np.sqrt(v_tilde) + eps)
            theta -= group["lr"] * b
        else:
            theta -= group["lr"] * g / (np.sqrt(v_tilde) + eps)


class Adagrad(Optimizer):
    """Divide each gradient by the root of the sum of all its past squares (Duchi et al.):
    rarely updated weights keep larger steps."""

    def __init__(self, params, lr: float = 0.01, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10):
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps))

    def _check_group(self, group):
        self.at_least(0, group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value",
                      "eps")

    def _update(self, theta, g, state, group):
        lr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * theta
        total = state.setdefault("sum", np.full_like(theta, group["initial_accumulator_value"]))
        total += g * g
        theta -= lr * g / (np.sqrt(total) + group["eps"])


class Adam(Optimizer):
    """Adaptive moments (Kingma and Ba): running means of the gradient (m) and of its
    square (v), corrected for their start at zero; `amsgrad` divides by the largest v seen.
    `weight_decay` adds lam * w to the gradient (an L2 penalty); see AdamW for the other way.
    """

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))

    def _check_group(self, group):
        self.at_least(0, group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2):
            raise ValueError(f"{type(self).__name__}: betas must be a pair, got {betas!r}")
        self.below_one("beta1", betas[0])
        self.below_one("beta2", betas[1])

    def _decay(self, theta, g, group):
        """Adam: weight decay as an L2 penalty's gradient, added to g."""
        return g + group["weight_decay"] * theta if group["weight_decay"] != 0 else g

    def _update(self, theta, g, state, group):
        (beta1, beta2), t = group["betas"], state["step"]
        g = self._decay(theta, g, group)
        m = state.setdefault("exp_avg", np.zeros_like(theta))
        v = state.setdefault("exp_avg_sq", np.zeros_like(theta))
        m *= beta1
        m += (1 - beta1) * g
        v *= beta2
        v += (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        if group["amsgrad"]:
            v_max = state.setdefault("max_exp_avg_sq", np.zeros_like(theta))
            np.maximum(v_max, v, out=v_max)
            v_hat = v_max / (1 - beta2 ** t)
        else:
            v_hat = v / (1 - beta2 ** t)
        theta -= group["lr"] * m_hat / (np.sqrt(v_hat) + group["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter): the weights shrink by
    lr * lam * w each step, outside the adaptive scaling, instead of lam * w joining g."""

    def __init__(self, params, lr: float = 0.001, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.01, amsgrad: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)

    def _decay(self, theta, g, group):
        theta -= group["lr"] * group["weight_decay"] * theta
        return g
