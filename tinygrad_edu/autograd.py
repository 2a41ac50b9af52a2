"""The chain rule, run backwards: the walk from an output's gradient to its inputs'.

Every tensor computed from tensors that require grad remembers how it was made: a node
(see `primitive.py`) holding the primitive, its inputs and its parameters. `backprop` walks
those nodes from the outputs back to the inputs, newest first, and asks each primitive for
the vector-Jacobian product (VJP) of the gradient arriving at its output. Nothing here knows
any primitive by name: the walk sees only a node's `op.vjps`, inputs and parameters.

VJPs are formulas that arrays and Tensors both understand. A plain backward runs them on
the arrays each node saved, at numpy's speed; with `create_graph=True` it runs them on
Tensors with grad mode on, which records a graph of the backward pass itself, and
differentiating that graph gives second derivatives: `hessian` is `jacobian` of `grad`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

import numpy as np

from . import primitive
from .autograd_function import Function, FunctionCtx
from .grad_mode import thread_state
from .primitive import Node, clock
from .tensor import Tensor, as_tensor, register_backward, stack, wrap

Gradient = Tensor | np.ndarray  # an array, or a Tensor when the walk is recorded

__all__ = ["Function", "FunctionCtx", "backward", "grad", "hessian", "jacobian"]

# ---------------------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------------------


def backprop(outputs: Sequence[Tensor], grad_outputs: Sequence[Tensor],
             keep: Callable[[Tensor], bool], retain_graph: bool, create_graph: bool,
             on_step: Callable | None = None) -> dict[int, tuple[Tensor, Gradient]]:
    """Run the chain rule from `outputs`; return {id(t): (t, dL/dt)} for each t kept.

    The walk takes tensors from the most recently made to the oldest. Every tensor is made
    after its inputs, so when the walk reaches a tensor, every operation that used it has
    already sent its share of the gradient: the sum is complete, and each node runs exactly
    once. PyTorch orders its walk the same way.

    `keep(t)` says which gradients the caller wants (leaves for `backward`, the requested
    inputs for `grad`). `on_step(t, g, sent)`, if given, sees each node as it runs, with
    the gradients `sent` to its inputs as (position, input, gradient): the pictures use it.
    """
    pending = Pending()
    for t, g in zip(outputs, grad_outputs):
        if t.requires_grad:
            pending.add(t, g if create_graph else g.array)
    kept = {}
    previous, thread_state.enabled = thread_state.enabled, create_graph  # record or not
    try:
        for t, g in pending.newest_first():    # every op that used t has sent its share
            if keep(t):
                kept[id(t)] = (t, g)
            node = t.node
            if node.inputs is None or clock.last_change > node.order:
                check_saved(node, t)            # freed, or changed in place since?
            sent = run_vjps(node, g, t, create_graph)   # the chain rule at this op
            for _, x, gx in sent:
                pending.add(x, gx)              # pass the gradients on to its inputs
            if on_step is not None:
                on_step(t, g, sent)
            if not retain_graph:
                node.inputs = node.arrays = None    # free what the forward saved
    finally:
        thread_state.enabled = previous
    for t, g in pending.leaves():
        if keep(t):
            kept[id(t)] = (t, g)
    return kept


class Pending:
    """The gradients still adding up: one sum per tensor, and the tensors that have a node
    in the order the walk takes them (a heap on the node's creation order, newest first).

    Speed: leaves have no node to run, so they skip the heap and wait in a list (a heap
    push and pop fewer per parameter; docs/performance.md measures the walk). Gradients
    are popped when used, so intermediate gradients are freed as the walk goes.
    """

    __slots__ = ("sums", "ready", "waiting_leaves")

    def __init__(self):
        self.sums: dict[int, Gradient] = {}
        self.ready: list[tuple[int, int, Tensor]] = []
        self.waiting_leaves: list[Tensor] = []

    def add(self, t: Tensor, g: Gradient) -> None:
        """Add g to t's sum (with `+`, so that a recorded walk records the sum too)."""
        key = id(t)
        if key in self.sums:
            total = self.sums[key] + g
            if primitive.recorder is not None:
                primitive.recorder.call(np.add, (self.sums[key], g), {}, total, "sum",
                                        "gradients of one tensor added up")
            self.sums[key] = total
            return
        self.sums[key] = g
        if t.node is None:
            self.waiting_leaves.append(t)
        else:
            heapq.heappush(self.ready, (-t.node.order, key, t))

    def newest_first(self):
        """The tensors with a node and their complete gradients, newest first, while the
        walk adds more (a generator: cheaper per step than a method call)."""
        ready, sums = self.ready, self.sums
        while ready:
            _, key, t = heapq.heappop(ready)
            yield t, sums.pop(key)

    def leaves(self) -> list[tuple[Tensor, Gradient]]:
        """The leaves and their complete gradients (once the heap is empty)."""
        return [(t, self.sums[id(t)]) for t in self.waiting_leaves]


def check_saved(node: Node, out: Tensor) -> None:
    """Refuse a node whose saved numbers are gone or changed: freed by an earlier backward,
    or changed in place since the forward (PyTorch's version check). Speed: the walk calls
    this only when the graph was freed or some tensor was changed in place after the node
    was made (one comparison with the clock), which in a training step never happens."""
    if node.inputs is None:
        raise RuntimeError(
            f"backward: trying to backward through the graph a second time: the saved "
            f"tensors of `{node.op.name}` were freed by an earlier backward. Pass "
            f"retain_graph=True to that first backward() or tg.grad() call.")
    node.check_versions(out)


def run_vjps(node: Node, g: Gradient, out: Tensor,
             create_graph: bool) -> list[tuple[int, Tensor, Gradient]]:
    """The chain rule at one node: for each input that requires grad, its VJP applied to
    g, on Tensors when the walk is recorded and on their arrays otherwise."""
    inputs = node.inputs
    if clock.last_change > node.order:  # an input may have been changed in place:
        inputs = [node.input(i) for i in range(len(inputs))]  # take it as it was
    args, out = (inputs, out) if create_graph else (node.arrays, out.array)
    sent = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            gx = node.op.vjps[i](g, out, *args, **node.params)
            if primitive.recorder is not None:
                primitive.recorder.vjp(node, i, (g, out, *args), gx)
            if gx.shape != x.array.shape or gx.dtype is not x.array.dtype:
                gx = checked(node, i, x, gx)
            sent.append((i, x, gx))
    return sent


def checked(node: Node, i: int, x: Tensor, gx: Gradient) -> Gradient:
    """A VJP's result of the wrong shape is a bug in that VJP: say which. One of another
    dtype (a float32 input in a float64 operation) is cast, so x.grad keeps x's dtype."""
    if gx.shape != x.shape:
        raise RuntimeError(f"backward: the VJP of `{node.op.name}` for input {i} returned "
                           f"shape {gx.shape}, expected {x.shape}")
    if gx.dtype == x.dtype:
        return gx
    cast = gx.astype(x.dtype)
    if primitive.recorder is not None:
        primitive.recorder.call(np.ndarray.astype, (gx, x.dtype), {}, cast, "cast",
                                f"the gradient cast to {x.dtype}")
    return cast


def toposort(outputs: Sequence[Tensor]) -> list[Tensor]:
    """The tensors that require grad and lead to `outputs`, each after all of its inputs:
    leaves first, then the others in the order they were made. Reversed, it is the order in
    which `backprop` handles them (for pictures, counts and tests; the walk needs no sort).

    Found by an iterative search: a chain of 100,000 operations needs no recursion.
    """
    found: dict[int, Tensor] = {}
    todo = [t for t in outputs if t.requires_grad]
    while todo:
        t = todo.pop()
        if id(t) in found:
            continue
        found[id(t)] = t
        node = t.node
        if node is not None and node.inputs is not None:
            inputs = (node.input(i) for i in range(len(node.inputs)))
            todo.extend(x for x in inputs if isinstance(x, Tensor) and x.requires_grad)
    return sorted(found.values(), key=lambda t: -1 if t.node is None else t.node.order)


# ---------------------------------------------------------------------------------------
# backward, grad, jacobian, hessian
# ---------------------------------------------------------------------------------------

def seed_gradients(outputs: Sequence[Tensor], grad_outputs, caller: str) -> list[Tensor]:
    if grad_outputs is None:
        return [_unit_seed(t, caller) for t in outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{caller}: got {len(grad_outputs)} grad_outputs for "
                         f"{len(outputs)} outputs")
    seeds = []
    for t, g in zip(outputs, grad_outputs):
        if g is None:
            g = _unit_seed(t, caller)
        else:
            g = as_tensor(g, dtype=t.dtype)
            if g.shape != t.shape:
                raise RuntimeError(f"{caller}: gradient has shape {g.shape}, but the output "
                                   f"has shape {t.shape}")
        seeds.append(g)
    return seeds


def _unit_seed(t: Tensor, caller: str) -> Tensor:
    """d t / d t = 1, for a scalar output t."""
    if t.array.size != 1:
        raise RuntimeError(
            f"{caller}: grad can be implicitly created only for scalar outputs, but "
            f"the output has shape {t.shape}; pass a gradient of that shape")
    return wrap(np.array(1, dtype=t.array.dtype).reshape(t.array.shape))


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into `.grad` of every leaf that requires grad, for
    one tensor or each of a sequence (PyTorch's `torch.autograd.backward`).

    The implementation of `Tensor.backward`; see there.
    """
    if not isinstance(tensors, Tensor):
        grads = [None] * len(tensors) if grad_tensors is None else grad_tensors
        for i, (t, g) in enumerate(zip(tensors, grads)):
            keep = retain_graph or create_graph or i < len(tensors) - 1
            backward(t, g, keep, create_graph)
        return
    tensor, gradient, retain_graph = tensors, grad_tensors, bool(retain_graph)
    if not tensor.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(was it computed under no_grad(), or from data only?)")
    seeds = seed_gradients([tensor], None if gradient is None else [gradient], "backward")
    kept = backprop([tensor], seeds, _fills_grad, retain_graph or create_graph, create_graph)
    owners = {id(_owner(seeds[0].array))}
    for t, g in kept.values():
        before = t.grad
        if create_graph:  # the accumulation is part of the graph to differentiate
            t.grad = g if t.grad is None else t.grad + g
        elif t.grad is not None:
            t.grad = wrap(t.grad.array + g)
        else:
            t.grad = wrap(_own_memory(g, owners))
        if primitive.recorder is not None:
            primitive.recorder.grad_stored(t, before, g)


register_backward(backward)  # Tensor.backward runs this walk (tensor.py cannot import it)


def _fills_grad(t: Tensor) -> bool:
    """Whether backward() stores t's gradient in t.grad: leaves, and tensors that asked."""
    return t.node is None or t.retains_grad


def _owner(array: np.ndarray) -> np.ndarray:
    return array if array.base is None else array.base


def _own_memory(array: np.ndarray, owners: set[int]) -> np.ndarray:
    """`array`, or a copy of it if it is read-only (a broadcast view) or shares memory with
    another leaf's gradient or the seed (add passes one gradient to both its inputs), so
    that every `.grad` can be changed in place without touching another."""
    owner = id(_owner(array))
    if not array.flags.writeable or owner in owners:
        array = array.copy()
        owner = id(array)
    owners.add(owner)
    return array


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple[Tensor | None, ...]:
    """Gradients of `outputs` with respect to `inputs`, returned, not stored in `.grad`.

    Like `torch.autograd.grad`: `grad_outputs` weights each output (needed for non-scalar
    outputs); `create_graph=True` records the computation so the result can itself be
    differentiated; `retain_graph` defaults to `create_graph`.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor(3.0, requires_grad=True)
    >>> (dx,) = tg.grad(x ** 2, x, create_graph=True)
    >>> dx.item(), tg.grad(dx, x)[0].item()
    (6.0, 2.0)
    """
    outputs, inputs = _as_list(outputs), _as_list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor) or not x.requires_grad:
            raise RuntimeError(f"grad: input {i} does not require grad; create it with "
                               f"requires_grad=True to differentiate with respect to it")
    for t in outputs:
        if not t.requires_grad:
            raise RuntimeError("grad: an output does not require grad and has no graph")
    seeds = seed_gradients(outputs, grad_outputs, "grad")
    wanted = {id(x) for x in inputs}
    retain = create_graph if retain_graph is None else retain_graph
    kept = backprop(outputs, seeds, lambda t: id(t) in wanted, retain, create_graph)
    result = []
    for i, x in enumerate(inputs):
        if id(x) in kept:
            g = kept[id(x)][1]
            result.append(g if create_graph else wrap(g))
        elif allow_unused:
            result.append(None)
        else:
            raise RuntimeError(f"grad: input {i} was not used to compute the outputs; pass "
                               f"allow_unused=True to get None for it")
    return tuple(result)


def jacobian(f: Callable[[Tensor], Tensor], x, create_graph: bool = False) -> Tensor:
    """The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`, one VJP per output entry.

    >>> import tinygrad_edu as tg
    >>> tg.jacobian(lambda x: x ** 2, tg.tensor([1.0, 2.0])).numpy()
    array([[2., 0.],
           [0., 4.]], dtype=float32)
    """
    x = as_tensor(x)
    if not x.requires_grad:
        x = x.detach().requires_grad_()
    out = f(x)
    if not isinstance(out, Tensor):
        raise TypeError(f"jacobian: f must return a Tensor, got {type(out).__name__} "
                        f"({out!r:.40}); a number computed from x.item() or float(x) has no "
                        f"gradient, so keep the computation on tensors")
    flat = out.reshape(-1)
    rows = []
    for i in range(flat.shape[0]):
        onehot = np.zeros(flat.shape, dtype=out.dtype)
        onehot[i] = 1
        (row,) = grad(flat, x, grad_outputs=[onehot], retain_graph=True,
                      create_graph=create_graph, allow_unused=True)
        rows.append(row if row is not None else wrap(np.zeros(x.shape, dtype=x.dtype)))
    if not rows:
        return wrap(np.zeros(out.shape + x.shape, dtype=x.dtype))
    return stack(rows, 0).reshape(out.shape + x.shape)


def hessian(f: Callable[[Tensor], Tensor], x, create_graph: bool = False) -> Tensor:
    """The Hessian of a scalar `f` at `x`: the Jacobian of its gradient (second-order autodiff).

    >>> import tinygrad_edu as tg
    >>> tg.hessian(lambda x: (x ** 3).sum(), tg.tensor([1.0, 2.0])).numpy()
    array([[ 6.,  0.],
           [ 0., 12.]], dtype=float32)
    """
    def gradient(x: Tensor) -> Tensor:
        y = f(x)
        if not isinstance(y, Tensor):
            raise TypeError(f"hessian: f must return a Tensor, got {type(y).__name__}")
        if y.array.size != 1:
            raise ValueError(f"hessian: f must return a scalar, got shape {y.shape}")
        (g,) = grad(y, x, create_graph=True, allow_unused=True)
        return g if g is not None else x * 0
    return jacobian(gradient, x, create_graph=create_graph)
