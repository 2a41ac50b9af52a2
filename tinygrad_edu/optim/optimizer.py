"""Optimizer: the bookkeeping every update rule shares, as in PyTorch.

An optimiser holds *parameter groups*: dicts with a list of tensors under "params" and
the hyperparameters for them ("lr", "momentum", ...). Passing tensors makes one group
with the constructor's settings; passing dicts gives each group its own, falling back to
the constructor's (`defaults`) for what a dict leaves out:

    optim.SGD([{"params": model.base.parameters()},
               {"params": model.head.parameters(), "lr": 1e-3}], lr=1e-2, momentum=0.9)

`step()` reads each parameter's `.grad` (filled by `loss.backward()`) and moves the
parameter in place, by plain numpy on its array, outside any graph, keeping its dtype;
the change counts as a new version of the parameter, as in PyTorch. Parameters without a
gradient are skipped. Per-parameter state (Adam's running moments,
the momentum buffer, the step count) lives in `state[p]`. `state_dict()` /
`load_state_dict()` save and restore groups and state, naming parameters by their
position, so a fresh optimiser over a rebuilt model picks up where the old one stopped.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable

import numpy as np

from .. import primitive
from ..grad_mode import enable_grad
from ..primitive import bump_version
from ..tensor import Tensor


class Optimizer:
    """Base class: subclasses give `defaults` and `_update(theta, g, state, group)`."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of tensors (e.g. "
                            f"model.parameters() or [w, b]) or of dicts, got a single Tensor")
        self._check_group(defaults)
        self.defaults = defaults
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: got an empty list of parameters to optimise")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    # -- groups ------------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (a dict with "params" and any settings that differ
        from the constructor's); e.g. layers unfrozen half-way through fine-tuning.

        >>> import tinygrad_edu as tg
        >>> a, b = tg.zeros(2, requires_grad=True), tg.zeros(3, requires_grad=True)
        >>> opt = tg.optim.SGD([a], lr=0.1)
        >>> opt.add_param_group({"params": [b], "lr": 0.01})
        >>> [g["lr"] for g in opt.param_groups]
        [0.1, 0.01]
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict, got "
                            f"{type(param_group).__name__}")
        params = param_group.get("params")
        if isinstance(params, set):
            raise TypeError(f"{name}: parameters must be in an ordered collection (a list); "
                            f"the order of a set changes between runs")
        params = [params] if isinstance(params, Tensor) else list(params or [])
        self._check_params(params)
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    def _check_params(self, params: list) -> None:
        name, seen = type(self).__name__, set()
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is a {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{name}: parameter {i} is not a leaf tensor (it was "
                                 f"computed from others); optimise the tensors you created")
            if id(p) in seen:
                raise ValueError(f"{name}: parameter {i} appears twice in its group; it would "
                                 f"be updated twice per step")
            if id(p) in taken:
                raise ValueError(f"{name}: some parameters appear in more than one parameter "
                                 f"group (parameter {i} of the new group)")
            seen.add(id(p))

    def _check_group(self, group: dict) -> None:
        """Check a group's settings (subclasses add their own checks)."""
        self.at_least(0, group, "lr")

    def at_least(self, least: float, group: dict, *keys: str) -> None:
        """Each named setting in `group` must be a number >= least."""
        for key in keys:
            v = group[key]
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or not v >= least:
                raise ValueError(f"{type(self).__name__}: {key} must be a number >= {least}, "
                                 f"got {v!r}")

    def below_one(self, key: str, v) -> None:
        """A setting that must lie in [0, 1) (a decay rate such as Adam's betas)."""
        self.at_least(0, {key: v}, key)
        if not v < 1:
            raise ValueError(f"{type(self).__name__}: {key} must be in [0, 1), got {v!r}")

    # -- stepping ----------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward: `.grad = None` (PyTorch's
        default), or zeros."""
        if primitive.recorder is not None:
            primitive.recorder.grads_cleared(self, set_to_none)
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = Tensor(np.zeros_like(p.numpy()))

    def step(self, closure: Callable[[], Tensor] | None = None):
        """One update of every parameter that has a gradient. `closure`, if given,
        recomputes the loss (with backward) first; its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for k, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                if p.grad is not None:
                    self._step_one(p, self._gradient(p, k, i), group)
        return loss

    def _gradient(self, p: Tensor, k: int, i: int) -> np.ndarray:
        """p's gradient as an array of p's shape and dtype."""
        g, theta = p.grad.array, p.array
        if g.shape != theta.shape:
            label = f" ({p.name!r})" if p.name else ""
            raise RuntimeError(f"{type(self).__name__}.step: parameter {i} of group {k}"
                               f"{label} has shape {theta.shape} but its .grad has shape "
                               f"{g.shape}")
        return g if g.dtype == theta.dtype else g.astype(theta.dtype)

    def _step_one(self, p: Tensor, g: np.ndarray, group: dict) -> None:
        state = self.state.setdefault(p, {})
        if primitive.recorder is not None:
            primitive.recorder.optimizer_update(self, p, g, group)
        state["step"] = state.get("step", 0) + 1
        self._update(p.array, g, state, group)
        bump_version(p)  # a graph that saved p's old numbers must not use them

    def _update(self, theta: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no update rule")

    # -- saving and loading --------------------------------------------------------------
    def state_dict(self) -> dict:
        """{"state": {index: state}, "param_groups": [settings with "params": indices]},
        parameters numbered by their position across the groups, as in PyTorch. The state
        holds Tensors that share memory with the optimiser's own (copy to keep a snapshot).

        >>> import tinygrad_edu as tg
        >>> w = tg.zeros(2, requires_grad=True)
        >>> sd = tg.optim.Adam([w], lr=0.01).state_dict()
        >>> sd["state"], sd["param_groups"][0]["params"], sd["param_groups"][0]["lr"]
        ({}, [0], 0.01)
        """
        index: dict[int, int] = {}
        groups = [{**{k: v for k, v in g.items() if k != "params"},
                   "params": [index.setdefault(id(p), len(index)) for p in g["params"]]}
                  for g in self.param_groups]
        state = {index[id(p)]: {k: Tensor(v) if isinstance(v, np.ndarray) else v
                                for k, v in s.items()}
                 for p, s in self.state.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore settings and state saved by `state_dict()` from an optimiser over the
        same parameters in the same order. Arrays are copied and cast to each parameter's
        dtype; on a mismatch a ValueError says what differs and nothing is changed."""
        name = type(self).__name__
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has "
                             f"{len(saved)} parameter groups, the optimizer has "
                             f"{len(self.param_groups)}")
        for k, (old, new) in enumerate(zip(saved, self.param_groups)):
            if len(old["params"]) != len(new["params"]):
                raise ValueError(f"{name}.load_state_dict: group {k} of the loaded state dict "
                                 f"has {len(old['params'])} parameters, the optimizer's has "
                                 f"{len(new['params'])}")
        params = {i: p for old, new in zip(saved, self.param_groups)
                  for i, p in zip(old["params"], new["params"])}
        state = {params[i]: {key: _state_value(key, v, params[i], name) for key, v in s.items()}
                 for i, s in state_dict["state"].items() if i in params}
        self.state = state
        self.param_groups = [{**old, "params": new["params"]}
                             for old, new in zip(saved, self.param_groups)]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"


def _state_value(key: str, value, p: Tensor, caller: str):
    """A saved state entry for parameter p: arrays copied in p's dtype and shape."""
    if not isinstance(value, (Tensor, np.ndarray)):
        return value
    array = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
    if array.shape != p.shape:
        raise ValueError(f"{caller}.load_state_dict: state {key!r} has shape {array.shape}, "
                         f"its parameter has shape {p.shape}")
    return array.astype(p.dtype, copy=True)
