"""tinygrad_edu: a small reverse-mode autodiff engine on numpy, with PyTorch's names.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([[1.0, 2.0]], requires_grad=True)
>>> W = tg.ones(2, 3, requires_grad=True)
>>> y = (x @ W).sigmoid().sum()
>>> y.backward()
>>> W.grad.shape
(2, 3)
"""

from . import data, functional, nn, ops, optim, viz
from .autograd import enable_grad, grad, hessian, is_grad_enabled, jacobian, no_grad
from .creation import (
    arange,
    eye,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .functional import relu, sigmoid, softmax, tanh
from .serialization import load, save
from .tensor import (
    Tensor,
    bool_,
    cat,
    float32,
    float64,
    int64,
    matmul,
    maximum,
    minimum,
    stack,
    where,
)
from .testing import gradcheck, gradgradcheck

__all__ = [
    "Tensor", "arange", "bool_", "cat", "data", "enable_grad", "eye", "float32", "float64",
    "full", "functional", "viz", "grad", "gradcheck", "gradgradcheck", "hessian", "int64",
    "is_grad_enabled", "jacobian", "load", "manual_seed", "matmul", "maximum", "minimum",
    "nn", "no_grad", "ones", "ones_like", "ops", "optim", "rand", "randn", "relu", "save",
    "sigmoid", "softmax", "stack", "tanh", "tensor", "where", "zeros", "zeros_like",
]
