"""tinygrad_edu: a small reverse-mode autodiff engine on numpy, with PyTorch's names.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([[1.0, 2.0]], requires_grad=True)
>>> W = tg.ones(2, 3, requires_grad=True)
>>> y = (x @ W).sigmoid().sum()
>>> y.backward()
>>> W.grad.shape
(2, 3)
"""

from . import data, functions, nn, ops, optim, utils, viz
from .autograd import grad, hessian, jacobian
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
from .functions import *  # noqa: F403 (torch.sin, torch.max, ...: see functions.py)
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .nn.functional import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    softmax,
    tanh,
)
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
    "Tensor", "arange", "binary_cross_entropy", "binary_cross_entropy_with_logits", "bool_",
    "cat", "data", "enable_grad", "eye", "float32", "float64", "full", "grad", "gradcheck",
    "gradgradcheck", "hessian", "int64", "is_grad_enabled", "jacobian", "load",
    "log_softmax", "logsumexp", "manual_seed", "matmul", "maximum", "minimum", "nn",
    "no_grad", "ones", "ones_like", "ops", "optim", "rand", "randn", "relu", "save",
    "set_grad_enabled", "sigmoid", "softmax", "stack", "tanh", "tensor", "utils", "viz",
    "where", "zeros", "zeros_like",
]
__all__ += functions.__all__
