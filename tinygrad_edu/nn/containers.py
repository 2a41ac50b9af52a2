"""Containers: ModuleList, ModuleDict and ParameterList, as PyTorch's.

A plain Python list of layers is invisible to `parameters()` and `state_dict()`: the
optimiser would never see those weights. These containers register what they hold, under
the names PyTorch gives ("0", "1", ... or the dict's keys), and have no forward of their
own: you write the loop.

>>> import tinygrad_edu as tg
>>> class Deep(tg.nn.Module):
...     def __init__(self):
...         super().__init__()
...         self.layers = tg.nn.ModuleList([tg.nn.Linear(4, 4) for _ in range(3)])
...     def forward(self, x):
...         for layer in self.layers:
...             x = layer(x).relu()
...         return x
>>> list(Deep().state_dict())[:3]
['layers.0.weight', 'layers.0.bias', 'layers.1.weight']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..tensor import Tensor
from .module import Module, Parameter


def _position(container: str, index: int, length: int) -> int:
    if not -length <= index < length:
        raise IndexError(f"{container}: index {index} is out of range for {length} items")
    return index % length


class ModuleList(Module):
    """A list of modules, registered as "0", "1", ...; index, slice and iterate it."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        return items[_position("ModuleList", index, len(items))]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_position("ModuleList", index, len(self))), module)

    def __delitem__(self, index: int | slice) -> None:
        items = list(self._modules.values())
        if isinstance(index, slice):
            del items[index]
        else:
            del items[_position("ModuleList", index, len(items))]
        self._renumber(items)

    def _renumber(self, items: list[Module]) -> None:
        """Register `items` as "0", "1", ... again (after a deletion or an insertion)."""
        for name in list(self._modules):
            self._forget(name)
        for i, module in enumerate(items):
            self.add_module(str(i), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])

    def append(self, module: Module) -> ModuleList:
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        items = list(self._modules.values())
        items.insert(index, module)
        self._renumber(items)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward(): loop over its modules in "
                                  "your own forward")

    def __repr__(self) -> str:
        """PyTorch's short form: a run of identical modules prints once, as "(0-2): 3 x"."""
        blocks: list[list] = []                 # [first index, last index, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, text])
        if not blocks:
            return "ModuleList()"
        lines = [(f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}")
                 .replace("\n", "\n  ") for a, b, text in blocks]
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, registered under their keys (strings), in insertion order.

    >>> import tinygrad_edu as tg
    >>> heads = tg.nn.ModuleDict({"age": tg.nn.Linear(8, 1), "class": tg.nn.Linear(8, 3)})
    >>> heads["class"](tg.ones(2, 8)).shape, list(heads)
    ((2, 3), ['age', 'class'])
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ModuleDict: keys must be strings, got {type(key).__name__}")
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        self[key]                  # a KeyError for a missing key
        self._forget(key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        for key in list(self._modules):
            del self[key]

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"ModuleDict.update: expected (key, module) pairs, got an "
                                 f"element of length {len(pair)}")
            self[pair[0]] = pair[1]

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward(): pick its modules in your own "
                                  "forward")


class ParameterList(Module):
    """A list of parameters, registered as "0", "1", ...; tensors become Parameters.

    >>> import tinygrad_edu as tg
    >>> ps = tg.nn.ParameterList([tg.zeros(2, 3), tg.zeros(3)])
    >>> [name for name, _ in ps.named_parameters()]
    ['0', '1']
    """

    def __init__(self, values: Iterable[Tensor] | None = None):
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, index: int | slice):
        items = list(self._parameters.values())
        if isinstance(index, slice):
            return ParameterList(items[index])
        return items[_position("ParameterList", index, len(items))]

    def __setitem__(self, index: int, value: Tensor) -> None:
        self.register_parameter(str(_position("ParameterList", index, len(self))),
                                _as_parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters.values())

    def __iadd__(self, values: Iterable[Tensor]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Tensor) -> ParameterList:
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Tensor]) -> ParameterList:
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({i}): Parameter containing: [{p.dtype} of size "
                         f"{'x'.join(map(str, p.shape))}]" for i, p in enumerate(self))


def _as_parameter(value) -> Parameter:
    if isinstance(value, Parameter):
        return value
    if not isinstance(value, Tensor):
        raise TypeError(f"ParameterList: expected a Tensor or Parameter, got "
                        f"{type(value).__name__}")
    return Parameter(value)
