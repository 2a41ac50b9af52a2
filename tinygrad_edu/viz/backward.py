"""Replay the backward walk step by step, keeping what the engine throws away.

`backward()` keeps only the leaves' gradients and pops every other one as soon as it is
used (so that memory is freed as the walk goes). A picture of backprop needs more: the
gradient each op receives and the gradient it sends back along each input edge.
`backward_steps` runs the engine's own walk (`autograd.backprop`) with its `on_step` hook,
so the steps are the engine's steps in the engine's order, and keeps each one. It changes
no `.grad`, frees no graph and records nothing.
"""

from __future__ import annotations

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
    >>> [s.tensor.grad_fn.op.name for s in steps]
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
