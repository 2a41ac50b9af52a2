"""Replay the backward walk step by step, keeping what the engine throws away.

`backward()` keeps only the leaves' gradients and pops every other one as soon as it is
used (so that memory is freed as the walk goes). A picture of backprop needs more: the
gradient each op receives and the gradient it sends back along each input edge.
`backward_steps` runs the engine's own walk (`autograd.backprop`) with its `on_step` hook,
so the steps are the engine's steps in the engine's order, and keeps each one. It changes
no `.grad`, frees no graph and records nothing.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from ..autograd import backprop, seed_gradients
from ..tensor import Tensor, wrap


@dataclass
class Step:
    """One step of the backward walk: the op that made `tensor` runs its VJPs.

    `grad` is the gradient arriving at `tensor` (all of it: the walk's order guarantees
    every use of `tensor` has sent its share first); `sent` lists, for each input that
    requires grad, (input position, input tensor, gradient sent back to it).
    """
    number: int
    tensor: Tensor
    grad: Tensor
    sent: list[tuple[int, Tensor, Tensor]]


def backward_steps(t: Tensor, gradient=None) -> list[Step]:
    """The steps `t.backward(gradient)` would run, in its order, with every gradient.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> steps = backward_steps((x * x).sum())
    >>> [s.tensor.node.op.name for s in steps]
    ['sum', 'mul']
    >>> sum(gx for _, _, gx in steps[1].sent)  # x * x sends x back twice: 2x in all
    tensor([2., 4.])
    """
    if not t.requires_grad:
        raise RuntimeError("backward_steps: the tensor does not require grad and has no "
                           "graph (was it computed under no_grad(), or from data only?)")
    seeds = seed_gradients([t], None if gradient is None else [gradient], "backward_steps")
    steps: list[Step] = []

    def record(tensor: Tensor, grad, sent: list) -> None:  # the walk's gradients are arrays
        steps.append(Step(len(steps) + 1, tensor, wrap(grad),
                          [(i, x, wrap(gx)) for i, x, gx in sent]))

    backprop([t], seeds, keep=lambda _: False, retain_graph=True, create_graph=False,
             on_step=record)
    return steps


def total_gradients(t: Tensor, steps: list[Step], upto: int | None = None) -> dict[int, Tensor]:
    """{id(tensor): gradient of t} summed over the first `upto` steps (all by default).

    The output's own gradient (the seed) is known before any step runs; a tensor used by
    several ops collects its gradient over several steps, which is what a frame shows.
    """
    totals: dict[int, Tensor] = {}
    if steps:
        totals[id(t)] = steps[0].grad
    for step in steps[:upto]:
        for _, x, gx in step.sent:
            totals[id(x)] = totals[id(x)] + gx if id(x) in totals else gx
    return totals


def gradient_numbers(steps: list[Step], upto: int | None = None) -> dict[int, list[str]]:
    """{id(tensor): ["#2.1", "#4.2", ...]}: the gradients each tensor received in the first
    `upto` steps, numbered "#k.i" for the i-th gradient sent at step k.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> gradient_numbers(backward_steps((x.exp() * x).sum()))[id(x)]
    ['#2.2', '#3.1']
    """
    numbers: dict[int, list[str]] = {}
    for step in steps[:upto]:
        for i, (_, x, _) in enumerate(step.sent, 1):
            numbers.setdefault(id(x), []).append(f"#{step.number}.{i}")
    return numbers


def input_names(op, count: int) -> list[str]:
    """The names the VJPs of `op` give its inputs (`x`, `y` for matmul; `p`, `y` for a
    cross entropy): the formulas use them, so the pictures label the arrows with them."""
    names = []
    vjp = next(v for v in op.vjps if v is not None)  # None: an input with no gradient
    for p in list(inspect.signature(vjp).parameters.values())[2:]:
        if p.kind == p.VAR_POSITIONAL:  # cat(*arrays): number them
            return [f"x{i + 1}" for i in range(count)]
        names.append(p.name)
    return names[:count]


def vjp_formula(op, index: int) -> str:
    """The VJP of input `index` of `op` as the primitive table writes it, in `g` (the
    gradient at the output), `out` and the input names, e.g. "g * out * (1 - out)"."""
    return op.formulas[index]
