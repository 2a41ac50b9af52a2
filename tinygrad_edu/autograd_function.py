"""Custom gradients the way PyTorch teaches them: `tg.autograd.Function`.

A subclass gives a static `forward(ctx, *inputs)` (any tensor code, run without recording)
and a static `backward(ctx, *grad_outputs)` that returns one gradient per input (None for
an input without one). `Function.apply(*inputs)` runs forward and, if an input requires
grad, records one node whose VJP calls backward: to the engine it is a primitive like
those of `ops.py`, made on the fly. So `tg.gradcheck` checks it, and with
`create_graph=True` its backward is recorded too (if it is written with tensor operations).

When to use which: a `Primitive` (docs/autodiff.md) is the engine's own form, a numpy
forward with VJP formulas, shown in the pictures with its formula; a `Function` is
PyTorch's form, for code that should also run on PyTorch.

>>> import tinygrad_edu as tg
>>> class Cube(tg.autograd.Function):
...     @staticmethod
...     def forward(ctx, x):
...         ctx.save_for_backward(x)
...         return x ** 3
...     @staticmethod
...     def backward(ctx, grad_output):
...         (x,) = ctx.saved_tensors
...         return grad_output * 3 * x ** 2
>>> x = tg.tensor([2.0], requires_grad=True)
>>> Cube.apply(x).backward(tg.ones(1)); x.grad
tensor([12.])
"""

from __future__ import annotations

import functools

import numpy as np

from .grad_mode import is_grad_enabled, no_grad
from .primitive import Primitive, version_of
from .tensor import Tensor, as_tensor, wrap


class FunctionCtx:
    """What forward leaves for backward: saved tensors, and which inputs need a gradient."""

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.needs_input_grad = needs_input_grad
        self.saved: tuple = ()
        self.non_differentiable: set[int] = set()
        self.outputs: list[Tensor] = []
        self.last: tuple = (None, None)  # (g, backward's result): one call per step

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; backward refuses them if changed in place since."""
        self.saved = tuple((t, version_of(t) if isinstance(t, Tensor) else None)
                           for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        for t, version in self.saved:
            if isinstance(t, Tensor) and version_of(t) != version:
                raise RuntimeError(
                    f"backward: a tensor of shape {t.shape} saved by save_for_backward was "
                    f"changed in place since (version {version} -> {version_of(t)})")
        return tuple(t for t, _ in self.saved)

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that get no gradient (indices, masks): they are not recorded."""
        self.non_differentiable.update(id(t) for t in tensors)


class Function:
    """Base class of custom differentiable functions (see the module's docstring)."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args):
        raise NotImplementedError("Function: subclasses define a static forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs):
        raise NotImplementedError("Function: subclasses define a static backward(ctx, ...)")

    @classmethod
    def apply(cls, *args):
        """Run forward on `args`; record the outputs, so that backward gives the gradients."""
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and a.requires_grad for a in args))
        with no_grad():
            result = cls.forward(ctx, *args)
        outputs = result if isinstance(result, tuple) else (result,)
        if not (any(ctx.needs_input_grad) and is_grad_enabled()):
            return result
        ctx.outputs = [as_tensor(o) for o in outputs]
        recorded = tuple(
            o if not isinstance(o, Tensor) or id(o) in ctx.non_differentiable
            else _primitive(cls, len(args), k, len(outputs))(*args, ctx=ctx)
            for k, o in enumerate(outputs))
        return recorded if isinstance(result, tuple) else recorded[0]


@functools.cache
def _primitive(cls: type, n_inputs: int, output: int, n_outputs: int) -> Primitive:
    """The primitive for output `output` of `cls`: its forward hands over the output that
    forward computed; its VJP for input i runs cls.backward. Several outputs get one node
    each; backward is linear in its gradients, so each node passes zeros for the others."""
    def vjp_for(i: int):
        def vjp(g, out, *inputs, ctx):
            grads = _run_backward(cls, ctx, g, output, n_outputs)
            gi = grads[i] if i < len(grads) else None
            if gi is None:
                gi = np.zeros(np.shape(inputs[i]), dtype=g.dtype)
            if isinstance(g, Tensor):
                return as_tensor(gi)
            return gi.array if isinstance(gi, Tensor) else np.asarray(gi)
        return vjp
    return Primitive(f"{cls.__name__}Backward",
                     lambda *arrays, ctx: ctx.outputs[output].array,
                     *[vjp_for(i) for i in range(n_inputs)],
                     formulas=(f"{cls.__name__}.backward",) * n_inputs,
                     saves=("",) * n_inputs)  # ctx.saved_tensors checks what it keeps


def _run_backward(cls: type, ctx: FunctionCtx, g, output: int, n_outputs: int) -> tuple:
    """cls.backward for the gradient g of one output (zeros for the others), once per step
    (the walk asks once per input)."""
    if ctx.last[0] is g:
        return ctx.last[1]
    as_input = g if isinstance(g, Tensor) else wrap(g)
    grads = [as_input if k == output else wrap(np.zeros(o.shape, dtype=o.dtype))
             for k, o in enumerate(ctx.outputs)]
    result = cls.backward(ctx, *grads[:n_outputs])
    result = result if isinstance(result, tuple) else (result,)
    ctx.last = (g, result)
    return result
