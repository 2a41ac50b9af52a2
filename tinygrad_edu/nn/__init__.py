"""tg.nn: modules (layers with their weights), initialisation and functions, as in PyTorch.

>>> import tinygrad_edu as tg
>>> model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 3))
>>> model(tg.ones(2, 4)).shape
(2, 3)
"""

from . import functional, init, utils
from .layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import Module, Parameter

__all__ = [
    "AvgPool2d", "Conv2d", "Flatten", "Linear", "LogSoftmax", "MaxPool2d", "Module",
    "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "functional", "init", "utils",
]
