"""tinygrad_edu: a small reverse-mode autodiff engine on numpy, with PyTorch's names.

>>> import tinygrad_edu as tg
>>> x = tg.tensor([[1.0, 2.0]], requires_grad=True)
>>> W = tg.ones(2, 3, requires_grad=True)
>>> y = (x @ W).sigmoid().sum()
>>> y.backward()
>>> W.grad.shape
(2, 3)
"""

from . import autograd, data, functions, nn, numpy_functions, ops, optim, utils, viz
from .autograd import grad, hessian, jacobian
from .compile import compile  # noqa: A004 (PyTorch's name)
from .creation import (
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    logspace,
    multinomial,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .denormals import set_flush_denormal
from .device import (
    accelerator,
    backends,
    cuda,
    device,
    get_default_device,
    set_default_device,
)
from .dtypes import (
    bool_,
    double,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int8,
    int16,
    int32,
    int64,
    long,
    promote_types,
    set_default_dtype,
    short,
    uint8,
)
from .dtypes import bool_ as bool  # noqa: A004 (PyTorch's names shadow the builtins here)
from .dtypes import float_ as float  # noqa: A004
from .dtypes import int_ as int  # noqa: A004
from .functions import *  # noqa: F403 (torch.sin, torch.max, ...: see functions.py)
from .generator import Generator, manual_seed
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
    cat,
    is_floating_point,
    is_tensor,
    matmul,
    maximum,
    minimum,
    result_type,
    stack,
    where,
)
from .testing import gradcheck, gradgradcheck

__all__ = [
    "Generator", "Tensor", "accelerator", "arange", "as_tensor", "autograd", "backends",
    "bernoulli", "binary_cross_entropy", "binary_cross_entropy_with_logits", "bool", "bool_",
    "cat", "compile", "cuda", "data", "device", "double", "empty", "empty_like",
    "enable_grad", "eye",
    "float", "float16", "float32", "float64", "from_numpy", "full", "full_like",
    "get_default_device", "get_default_dtype", "grad", "gradcheck", "gradgradcheck", "half",
    "hessian", "int", "int8", "int16", "int32", "int64", "is_floating_point",
    "is_grad_enabled", "is_tensor", "jacobian", "linspace", "load", "log_softmax",
    "logspace", "logsumexp", "long", "manual_seed", "matmul", "maximum", "minimum",
    "multinomial", "nn", "no_grad", "normal", "numpy_functions", "ones", "ones_like", "ops",
    "optim", "promote_types", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "randperm", "relu", "result_type", "save", "set_default_device",
    "set_default_dtype", "set_flush_denormal", "set_grad_enabled", "short", "sigmoid",
    "softmax", "stack", "tanh", "tensor", "uint8", "utils", "viz", "where", "zeros", "zeros_like",
]
__all__ += functions.__all__
