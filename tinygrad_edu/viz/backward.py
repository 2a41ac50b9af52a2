"""Replay the backward walk step by step, keeping what the engine throws away.

`backward()` keeps only the leaves' gradients and pops every other one as soon as it is
used (STYLE point 6). A picture of backprop needs more: the gradient each op receives and
the gradient it sends back along each input edge. `backward_steps` runs the same walk as
the engine, in the engine's order (`autograd.toposort`, reversed), calling the same VJPs
from `ops.py`, but records each step instead of freeing it. It changes no `.grad` and frees
no graph, and it records nothing (it runs under `no_grad`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..autograd import _seed_gradients, no_grad, toposort
from ..tensor import Tensor


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
    seed = _seed_gradients([t], None if gradient is None else [gradient], "backward_steps")[0]
    pending: dict[int, Tensor] = {id(t): seed}
    steps: list[Step] = []
    with no_grad():
        for x in reversed(toposort([t])):
            g = pending.pop(id(x), None)
            if g is None or x._node is None:  # a leaf: its gradient has fully arrived
                continue
            sent = _run_node(x, g)
            for _, inp, gi in sent:
                pending[id(inp)] = pending[id(inp)] + gi if id(inp) in pending else gi
            steps.append(Step(len(steps) + 1, x, g, sent))
    return steps


def _run_node(out: Tensor, g: Tensor) -> list[tuple[int, Tensor, Tensor]]:
    """Call the VJP of each input that needs a gradient, as the engine does."""
    node = out._node
    return [(i, x, node.op.vjps[i](g, out, *node.inputs, **node.params))
            for i, x in enumerate(node.inputs)
            if isinstance(x, Tensor) and x.requires_grad]


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
