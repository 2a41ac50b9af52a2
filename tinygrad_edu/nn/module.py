"""Module and Parameter: the bookkeeping of a model, as in PyTorch.

A model is a tree of modules. Assigning a `Parameter` or a `Module` to an attribute
registers it (`self.weight = Parameter(...)`, `self.conv = Conv2d(...)`), so that
`parameters()` can hand every weight to an optimiser and `state_dict()` can name each one
with a dotted path ("features.0.weight") that PyTorch would give it too. Buffers
(`register_buffer`) are tensors a module keeps that are not trained, such as BatchNorm's
running statistics: they are saved in `state_dict()` too, under PyTorch's names.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from .. import primitive
from ..device import check_device, is_device_name, unavailable
from ..dtypes import as_dtype, float32, float64
from ..primitive import bump_version
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a weight of a module: it requires grad, and assigning it to a
    module's attribute registers it. Shares the memory of the array or tensor it wraps.

    >>> import tinygrad_edu as tg
    >>> w = tg.nn.Parameter(tg.zeros(2, 3))
    >>> w.requires_grad, w.shape
    (True, (2, 3))
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        data = np.empty(0, dtype=np.float32) if data is None else data
        super().__init__(data.array if isinstance(data, Tensor) else data,
                         requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` could not match, as in PyTorch."""
    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of layers and models: subclass it, assign parameters and sub-modules in
    `__init__`, and write `forward`. Calling the module calls `forward`.

    >>> import tinygrad_edu as tg
    >>> class TwoLayers(tg.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.hidden = tg.nn.Linear(4, 8)
    ...         self.out = tg.nn.Linear(8, 3)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x).relu())
    >>> [name for name, _ in TwoLayers().named_parameters()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    """

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these two dicts to exist already
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration --------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes (assigning {name!r})")
        if isinstance(value, Parameter):
            self._register(self._parameters, name, value)
        elif isinstance(value, Module):
            self._register(self._modules, name, value)
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign a "
                                f"{type(value).__name__} to the buffer {name!r} (a Tensor or "
                                f"None is required)")
            self._buffers[name] = value
            self.__dict__[name] = value
        elif name in self._parameters or name in self._modules:
            if value is not None:   # None marks an absent optional part, e.g. no bias
                raise TypeError(f"{type(self).__name__}: cannot assign a "
                                f"{type(value).__name__} to {name!r}, which holds a "
                                f"Parameter or Module (wrap tensors in tg.nn.Parameter)")
            table = self._parameters if name in self._parameters else self._modules
            self._register(table, name, None)
        else:
            object.__setattr__(self, name, value)

    def _register(self, table: dict, name: str, value) -> None:
        """Enter `value` in its table (what state_dict and parameters() walk), and as a
        plain attribute too, so that `self.weight` in a forward is an ordinary lookup."""
        self._forget(name)
        table[name] = value
        self.__dict__[name] = value

    def _forget(self, name: str) -> None:
        for table in (self._parameters, self._buffers, self._modules, self.__dict__):
            table.pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __delattr__(self, name: str) -> None:
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` (or None, a missing optional weight) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, "
                            f"got {type(param).__name__}")
        self._register(self._parameters, name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Keep `tensor` as a buffer: state that is not a weight (no gradient, not in
        `parameters()`), saved in `state_dict()` unless `persistent=False`.

        >>> import tinygrad_edu as tg
        >>> m = tg.nn.Module()
        >>> m.register_buffer("count", tg.zeros(()))
        >>> list(m.state_dict()), list(m.parameters())
        (['count'], [])
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: buffer name must be a non-empty string without "
                           f"'.', got {name!r}")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._register(self._buffers, name, tensor)
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a sub-module under `name` (what Sequential does with "0", "1", ...)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got "
                            f"{type(module).__name__}")
        if hasattr(self, name) and name not in self._modules:   # e.g. "forward", "train"
            raise KeyError(f"add_module: attribute {name!r} already exists")
        self._register(self._modules, name, module)

    # -- calling -------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward() method")

    def __call__(self, *args, **kwargs):
        if primitive.recorder is not None:  # tg.compile: what it replays holds for this mode
            primitive.recorder.module_called(self)
        return self.forward(*args, **kwargs)

    # -- traversal -----------------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        return ((name, m) for name, m in self._modules.items() if m is not None)

    def children(self) -> Iterator[Module]:
        return (m for _, m in self.named_children())

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first in registration order, each once,
        with its dotted name ("" for this one). A stack, not recursion: no depth limit."""
        stack, seen = [(prefix, self)], set()
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child}" if name else child, m)
                        for child, m in module.named_children()]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        return (m for _, m in self.named_modules())

    def _named_tensors(self, prefix: str, recurse: bool,
                       tensors_of) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, tensor) for the tensors that `tensors_of(module)` lists in this
        module (and those below it, with `recurse`), each tensor once even if shared."""
        owners = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        seen = set()
        for owner, module in owners:
            for name, t in tensors_of(module):
                if t is not None and id(t) not in seen:
                    seen.add(id(t))
                    yield (f"{owner}.{name}" if owner else name), t

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, each parameter once even if shared."""
        return self._named_tensors(prefix, recurse, lambda m: m._parameters.items())

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = "",
                      recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """(dotted name, buffer) pairs, each buffer once, as named_parameters."""
        return self._named_tensors(prefix, recurse, lambda m: m._buffers.items())

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        return (b for _, b in self.named_buffers(recurse=recurse))

    def _named_state(self) -> Iterator[tuple[str, Tensor]]:
        """What state_dict saves, in PyTorch's order: each module's parameters, then its
        persistent buffers, then its sub-modules, depth first."""
        return self._named_tensors("", True, lambda m: [*m._parameters.items(), *(
            (name, b) for name, b in m._buffers.items()
            if name not in m._non_persistent_buffers)])

    # -- training helpers ----------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: `.grad = None` (PyTorch's default), or zeros."""
        if primitive.recorder is not None:
            primitive.recorder.grads_cleared(self, set_to_none)
        for p in self.parameters():
            p.grad = None if set_to_none or p.grad is None else Tensor(np.zeros_like(p.array))

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradients on or off for every parameter (freeze a part of a model:
        `model.features.requires_grad_(False)`); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def apply(self, fn) -> Module:
        """Call `fn(module)` on every sub-module and then on this one (children first, as
        in PyTorch), e.g. a custom initialisation; returns self.

        >>> import tinygrad_edu as tg
        >>> model = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.ReLU())
        >>> visited = []
        >>> _ = model.apply(lambda m: visited.append(type(m).__name__))
        >>> visited
        ['Linear', 'ReLU', 'Sequential']
        """
        # a parent before its children, the last child first; reversed, that is the
        # post-order of PyTorch's recursion (a stack, not recursion: no depth limit)
        stack, order, seen = [self], [], set()
        while stack:
            module = stack.pop()
            if id(module) not in seen:
                seen.add(id(module))
                order.append(module)
                stack.extend(module.children())
        for module in reversed(order):
            fn(module)
        return self

    def train(self, mode: bool = True) -> Module:
        """Set `training` on this module and all below it; returns self."""
        if primitive.recorder is not None:  # tg.compile writes the call into its replay
            primitive.recorder.mode_set(self, bool(mode))
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    # -- devices and dtypes (the CPU only: see tg.device) ---------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking: bool = False) -> Module:
        """PyTorch's `model.to(device)` and `model.to(dtype)`: the device must be the CPU;
        a dtype converts every floating-point parameter (and its .grad) in place, so the
        Parameter objects, and an optimiser that holds them, stay the same. Returns self."""
        for arg in args:
            if is_device_name(arg):
                check_device(arg)
            else:
                dtype = arg.dtype if isinstance(arg, Tensor) else arg
        check_device(device)
        if dtype is not None:
            for p in self.parameters():
                if p.is_floating_point():
                    p.array = p.array.astype(as_dtype(dtype), copy=False)
                    p.grad = None if p.grad is None else p.grad.to(dtype)
        return self

    def cpu(self) -> Module:
        return self

    def cuda(self, device=None) -> Module:
        raise unavailable("cuda")

    def float(self) -> Module:
        return self.to(float32)

    def double(self) -> Module:
        return self.to(float64)

    # -- saving and loading --------------------------------------------------------------
    def state_dict(self) -> OrderedDict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order:
        tensors that share their memory but not their graph (PyTorch's `state_dict()`)."""
        return OrderedDict((name, t.detach()) for name, t in self._named_state())

    def load_state_dict(self, state_dict, strict: bool = True) -> IncompatibleKeys:
        """Copy `state_dict`'s arrays into the parameters of the same names, in place.

        Shapes must match. With `strict` (the default) the names must match exactly too.
        On any mismatch a RuntimeError lists every problem and nothing is changed. Every
        value is checked and cast to its parameter's dtype before the first is copied, so a
        value that cannot be cast (a float into an int buffer, a complex into a float) is an
        error naming its key, and nothing is changed then either.
        """
        own = dict(self._named_state())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        errors = [f"size mismatch for {name}: copying a param with shape "
                  f"{np.shape(_array(name, value))} from the state dict, the shape in the "
                  f"model is {own[name].shape}"
                  for name, value in state_dict.items()
                  if name in own and np.shape(_array(name, value)) != own[name].shape]
        if strict:
            errors = _listed("Missing key(s)", missing) + _listed("Unexpected key(s)",
                                                                  unexpected) + errors
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:"
                               + "".join(f"\n\t{e}" for e in errors))
        cast = {name: _cast(name, _array(name, state_dict[name]), p.dtype)
                for name, p in own.items() if name in state_dict}
        for name, value in cast.items():  # nothing can fail from here on
            np.copyto(own[name].array, value)
            bump_version(own[name])
        return IncompatibleKeys(missing, unexpected)

    # -- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        """The module tree as PyTorch prints it: the settings, then each sub-module,
        indented by two spaces per level."""
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [f"({name}): " + repr(m).replace("\n", "\n  ")
                    for name, m in self._modules.items()]
        if len(extra) == 1 and not children:
            return f"{type(self).__name__}({extra[0]})"
        if not extra and not children:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(extra + children) + "\n)"


def _cast(name: str, array: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`array` as `dtype` under numpy's same-kind rule (float64 -> float32 yes, float ->
    int no), or a TypeError naming the key."""
    if not np.can_cast(array.dtype, dtype, casting="same_kind"):
        raise TypeError(f"load_state_dict: cannot copy {name!r} of dtype {array.dtype} into "
                        f"a parameter of dtype {dtype} (numpy's same-kind rule: an int or "
                        f"float value fits a float parameter, a float value no int one)")
    return array.astype(dtype, copy=False)


def _array(name: str, value) -> np.ndarray:
    if isinstance(value, Tensor):
        return value.array
    if isinstance(value, np.ndarray):
        return value
    raise TypeError(f"load_state_dict: the value of {name!r} is a {type(value).__name__}, "
                    f"expected a Tensor or a numpy array")


def _listed(what: str, names: list[str]) -> list[str]:
    return [f"{what} in state_dict: " + ", ".join(f'"{n}"' for n in names)] if names else []
