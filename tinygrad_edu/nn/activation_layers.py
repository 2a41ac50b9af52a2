"""Activation layers with settings: LeakyReLU, ELU, GELU, SiLU, Softplus, and Identity.

Each holds its settings and calls the function of the same name in `tg.nn.functional`;
they print as PyTorch prints them. (ReLU, Sigmoid, Tanh, Softmax and LogSoftmax are in
layers.py.) `inplace=True` is accepted, so that PyTorch code runs, and changes nothing:
the result is always a new tensor.

>>> import tinygrad_edu as tg
>>> tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.GELU(approximate="tanh"), tg.nn.Identity())
Sequential(
  (0): Linear(in_features=2, out_features=2, bias=True)
  (1): GELU(approximate='tanh')
  (2): Identity()
)
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


def _inplace(inplace: bool, first: bool = False) -> str:
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace)}"


class ELU(Module):
    """x for x > 0, else alpha (exp(x) - 1)."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class GELU(Module):
    """x Phi(x): exact with erf ("none"), or the tanh approximation ("tanh")."""

    def __init__(self, approximate: str = "none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x sigmoid(x) (swish)."""

    def __init__(self, inplace: bool = False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input)

    def extra_repr(self) -> str:
        return _inplace(self.inplace, first=True)


class Softplus(Module):
    """log(1 + exp(beta x)) / beta, linear where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Identity(Module):
    """Returns its input; takes (and ignores) any arguments, as PyTorch's, so that it can
    stand in for a layer you remove (`model.fc = nn.Identity()`)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input
