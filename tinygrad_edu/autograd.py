"""The chain rule, run backwards: graph nodes, grad mode, the backward walk.

Every Tensor produced by a primitive while grad mode is on remembers how it was made: a
`Node` holding the primitive, its inputs and its parameters. `grad` walks those nodes from
the outputs back to the inputs, in reverse topological order, and asks each primitive for
the vector-Jacobian product (VJP) of the gradient arriving at its output. Nothing here knows
any primitive by name: the engine sees only `name`, `forward` and `vjps`.

VJPs are formulas that arrays and Tensors both understand. A plain backward runs them on
the arrays each node saved, at numpy's speed; with `create_graph=True` it runs them on
Tensors with grad mode on, which records a graph of the backward pass itself, and
differentiating that graph gives second derivatives: `hessian` is `jacobian` of `grad`.
"""

from __future__ import annotations

import functools
import heapq
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from .tensor import Tensor, as_tensor, stack, wrap

# ---------------------------------------------------------------------------------------
# Grad mode: whether operations record nodes. Off inside `no_grad()` and during a backward
# walk that does not create a graph, so that neither costs any bookkeeping.
# ---------------------------------------------------------------------------------------

class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return _GradMode.enabled


class _SetGradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.previous: list[bool] = []

    def __enter__(self):
        self.previous.append(_GradMode.enabled)
        _GradMode.enabled = self.enabled

    def __exit__(self, *exc):
        _GradMode.enabled = self.previous.pop()

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with _SetGradMode(self.enabled):
                return function(*args, **kwargs)
        return wrapper


def no_grad() -> _SetGradMode:
    """Record nothing inside: `with tg.no_grad(): ...` or `@tg.no_grad()`.

    >>> import tinygrad_edu as tg
    >>> w = tg.ones(2, requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """
    return _SetGradMode(False)


def enable_grad() -> _SetGradMode:
    """Record again inside a `no_grad()` block (context manager or decorator)."""
    return _SetGradMode(True)


# ---------------------------------------------------------------------------------------
# Primitives and nodes
# ---------------------------------------------------------------------------------------

class Primitive:
    """An operation the engine differentiates: a numpy forward and one VJP per input.

    `forward(*arrays, **params)` computes the output array. `vjps[i](g, out, *inputs,
    **params)` returns the gradient for input i given the gradient `g` arriving at the
    output `out`. Only the VJPs of inputs that need a gradient are ever called: `x @ W`
    with data `x` computes no gradient for `x`.

    A VJP is a formula that numpy arrays and Tensors both understand (`g * y`, `g @ w`,
    primitives such as `sigmoid(z)`). The walk calls it on arrays when it needs only the
    numbers, as `backward()` does, and on Tensors when it records the backward pass
    (`create_graph=True`): one formula gives first derivatives at numpy's speed and second
    derivatives by differentiating it. For that, a primitive called on arrays alone (no
    Tensor among its inputs) is just its numpy forward, and returns an array.
    """

    __slots__ = ("name", "forward", "vjps")

    def __init__(self, name: str, forward: Callable, *vjps: Callable):
        self.name, self.forward, self.vjps = name, forward, vjps

    def __call__(self, *inputs, **params):
        arrays, tensors, record = [], False, False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x.data)
                tensors = True
                record = record or x.requires_grad
            else:
                arrays.append(x)
        try:
            data = self.forward(*arrays, **params)
        except Exception as error:  # name the op and the shapes, not a numpy internal
            raise _op_error(self.name, inputs, error) from None
        if not tensors:
            return data
        if record and _GradMode.enabled:
            return wrap(data, Node(self, inputs, arrays, params))
        return wrap(data)

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def _op_error(name: str, inputs: Sequence, error: Exception) -> Exception:
    shapes = ", ".join(str(tuple(x.shape)) if isinstance(x, (Tensor, np.ndarray)) else repr(x)
                       for x in inputs)
    kind = builtin_kind(error)
    message = str(error)
    message = message if message.startswith(f"{name}:") else f"{name}: {message}"
    return kind(f"{message} (inputs: {shapes})")


_creation_order = itertools.count()


def builtin_kind(error: Exception) -> type[Exception]:
    """The builtin class to re-raise `error` as, with a clearer message (numpy's own
    subclasses, such as its casting errors, cannot be built from a message alone)."""
    for kind in (IndexError, TypeError, ValueError):
        if isinstance(error, kind):
            return kind
    return ValueError


class Node:
    """How a tensor was made: the primitive, its inputs (the saved tensors) and params.

    `arrays` are the inputs' numbers as the forward saw them (the same arrays, not copies):
    what the VJPs get in a walk that records nothing. `order` counts nodes as they are
    made: a node's inputs are always older than it, which is what the backward walk relies
    on. `inputs` and `arrays` are set to None when a backward walk without `retain_graph`
    frees the graph.
    """

    __slots__ = ("op", "inputs", "arrays", "params", "order")

    def __init__(self, op: Primitive, inputs: tuple, arrays: list, params: dict):
        self.op, self.inputs, self.arrays, self.params = op, inputs, arrays, params
        self.order = next(_creation_order)

    def __repr__(self) -> str:
        return f"<{self.op.name} node>"


# ---------------------------------------------------------------------------------------
# The backward walk
# ---------------------------------------------------------------------------------------

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
        if t._node is not None and t._node.inputs is not None:
            todo.extend(x for x in t._node.inputs if isinstance(x, Tensor) and x.requires_grad)
    return sorted(found.values(), key=lambda t: -1 if t._node is None else t._node.order)


Gradient = Tensor | np.ndarray  # an array, or a Tensor when the walk is recorded


def backprop(outputs: Sequence[Tensor], grad_outputs: Sequence[Tensor],
             keep: Callable[[Tensor], bool], retain_graph: bool, create_graph: bool,
             on_step: Callable | None = None) -> dict[int, tuple[Tensor, Gradient]]:
    """Run the chain rule from `outputs`; return {id(t): (t, dL/dt)} for each t kept.

    The walk handles tensors from the most recently made to the oldest (a heap ordered by
    `Node.order`). Every tensor is made after its inputs, so when the walk reaches a tensor,
    every operation that used it has already sent its share of the gradient: the sum in
    `pending` is complete, and each node runs exactly once. PyTorch orders its walk the same
    way. Gradients are popped from `pending` when used, so intermediate gradients are freed
    as the walk goes. Leaves have no node to run: their gradients add up in `pending` and
    are complete when the heap is empty.

    Gradients are numpy arrays, or Tensors when `create_graph` records the walk (see
    `Primitive`). `keep(t)` says which gradients the caller wants (leaves for `backward`,
    the requested inputs for `grad`). `on_step(t, g, sent)`, if given, sees each node as it
    runs, with the gradients `sent` to its inputs as (position, input, gradient): the
    pictures use it.
    """
    pending: dict[int, Gradient] = {}
    ready: list[tuple[int, int, Tensor]] = []
    leaves: list[Tensor] = []
    kept = {}
    previous, _GradMode.enabled = _GradMode.enabled, create_graph
    try:
        for t, g in zip(outputs, grad_outputs):
            if t.requires_grad:
                _receive(t, g if create_graph else g.data, pending, ready, leaves)
        while ready:
            _, key, t = heapq.heappop(ready)
            g = pending.pop(key)
            if keep(t):
                kept[key] = (t, g)
            node = t._node
            if node.inputs is None:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time: the "
                    f"saved tensors of `{node.op.name}` were freed by an earlier backward. "
                    f"Pass retain_graph=True to that first backward() or tg.grad() call.")
            sent = _run_vjps(node, g, t, create_graph)
            for _, x, gx in sent:
                _receive(x, gx, pending, ready, leaves)
            if on_step is not None:
                on_step(t, g, sent)
            if not retain_graph:
                node.inputs = node.arrays = None
    finally:  # a `with` block, without its cost on every backward()
        _GradMode.enabled = previous
    for t in leaves:
        if keep(t):
            kept[id(t)] = (t, pending[id(t)])
    return kept


def _receive(t: Tensor, g: Gradient, pending: dict[int, Gradient], ready: list,
             leaves: list) -> None:
    """Add g to t's pending gradient; the first contribution puts t on the heap, or on the
    list of leaves."""
    key = id(t)
    if key in pending:
        pending[key] = pending[key] + g
    else:
        pending[key] = g
        if t._node is None:
            leaves.append(t)
        else:
            heapq.heappush(ready, (-t._node.order, key, t))


def _run_vjps(node: Node, g: Gradient, out: Tensor,
              create_graph: bool) -> list[tuple[int, Tensor, Gradient]]:
    """The gradient for each input that requires one: the primitive's VJPs, on Tensors when
    the walk is recorded and on their arrays otherwise, each result checked."""
    inputs, sent = node.inputs, []
    args, out = (inputs, out) if create_graph else (node.arrays, out.data)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad:
            gx = node.op.vjps[i](g, out, *args, **node.params)
            if gx.shape != x.data.shape or gx.dtype is not x.data.dtype:
                gx = _checked(node, i, x, gx)
            sent.append((i, x, gx))
    return sent


def _checked(node: Node, i: int, x: Tensor, gx: Gradient) -> Gradient:
    """A VJP's result of the wrong shape is a bug in that VJP: say which. One of another
    dtype (a float32 input in a float64 operation) is cast, so x.grad keeps x's dtype."""
    if gx.shape != x.shape:
        raise RuntimeError(f"backward: the VJP of `{node.op.name}` for input {i} returned "
                           f"shape {gx.shape}, expected {x.shape}")
    return gx if gx.dtype == x.dtype else gx.astype(x.dtype)


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
    if t.data.size != 1:
        raise RuntimeError(
            f"{caller}: grad can be implicitly created only for scalar outputs, but "
            f"the output has shape {t.shape}; pass a gradient of that shape")
    return wrap(np.array(1, dtype=t.data.dtype).reshape(t.data.shape))


def _as_list(tensors) -> list:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def backward(tensor: Tensor, gradient=None, retain_graph: bool = False,
             create_graph: bool = False) -> None:
    """Accumulate d(tensor)/d(leaf) into `.grad` of every leaf that requires grad.

    The implementation of `Tensor.backward`; see there.
    """
    if not tensor.requires_grad:
        raise RuntimeError("backward: the tensor does not require grad and has no graph "
                           "(was it computed under no_grad(), or from data only?)")
    seeds = seed_gradients([tensor], None if gradient is None else [gradient], "backward")
    kept = backprop([tensor], seeds, _fills_grad, retain_graph or create_graph, create_graph)
    owners = {id(_owner(seeds[0].data))}
    for t, g in kept.values():
        if create_graph:  # the accumulation is part of the graph to differentiate
            t.grad = g if t.grad is None else t.grad + g
        elif t.grad is not None:
            t.grad = wrap(t.grad.data + g)
        else:
            t.grad = wrap(_own_memory(g, owners))


def _fills_grad(t: Tensor) -> bool:
    """Whether backward() stores t's gradient in t.grad: leaves, and tensors that asked."""
    return t._node is None or t._retains_grad


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
        if y.data.size != 1:
            raise ValueError(f"hessian: f must return a scalar, got shape {y.shape}")
        (g,) = grad(y, x, create_graph=True, allow_unused=True)
        return g if g is not None else x * 0
    return jacobian(gradient, x, create_graph=create_graph)
