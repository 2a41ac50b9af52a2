"""What the engine records: a primitive (a numpy forward and its VJPs) and a node.

A **primitive** is one operation the engine knows how to differentiate: a numpy forward
and, for each input, its vector-Jacobian product (VJP). Calling a primitive on tensors runs
the forward and, if any input requires grad and grad mode is on, records a **node**: the
primitive, its inputs and its parameters. The backward walk (`autograd.py`) reads nothing
else.

This file knows no Tensor class. The Tensor class registers itself here when `tensor.py` is
imported (`register_tensor_type`), as HIPS autograd's array box registers with its tracer;
so the layers import one way: grad_mode -> primitive -> ops -> tensor -> autograd.

**Versions.** Every tensor has a version counter, shared with the tensors that view its
memory (a reshape, a transpose, a slice). Every in-place change bumps it. The walk refuses
to let a VJP read a tensor that was changed after its node was made, because its numbers
are no longer the ones the forward saw (PyTorch's rule). Nodes and changes share one clock,
so a node needs to remember nothing but its place on it.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Sequence

import numpy as np

from .grad_mode import thread_state

OUT = -1  # in a primitive's `reads`: the VJP reads the output

# While `tg.compile` traces a function, the object that records what the engine does
# (compile.py's Recorder); None otherwise, so eager code pays one comparison per hook.
recorder = None

# ---------------------------------------------------------------------------------------
# The Tensor class, registered by tensor.py
# ---------------------------------------------------------------------------------------

TensorType: type = type(None)  # replaced by the Tensor class when tensor.py is imported
_make_tensor: Callable = None  # TensorType's fast constructor: (array, node, counter)


def register_tensor_type(tensor_type: type, make: Callable) -> None:
    """Called once by tensor.py: the class whose instances primitives record, and its
    constructor for results, `make(array, node, version_counter_or_None)`."""
    global TensorType, _make_tensor
    TensorType, _make_tensor = tensor_type, make


def unwrap(value):
    """The array behind a tensor; anything else as it is. VJPs take masks and signs from
    it: numbers that need no gradient of their own."""
    if isinstance(value, TensorType):
        if recorder is not None:  # a tensor's numbers leave the engine: see compile.py
            recorder.escaped(value, "unwrap")
        return value.array
    return value


def constant_like(array, like):
    """`array` in the dtype of `like`: an array beside arrays, a constant tensor (no
    gradient) beside tensors, so a VJP formula runs in both walks."""
    array = array.astype(like.dtype, copy=False)
    return _make_tensor(array, None, None) if isinstance(like, TensorType) else array


# ---------------------------------------------------------------------------------------
# Version counters
# ---------------------------------------------------------------------------------------

class Clock:
    """One sequence of moments for nodes and in-place changes, and the moment of the
    latest change of any tensor: a node made after it needs no version check."""

    __slots__ = ("ticks", "last_change")

    def __init__(self):
        self.ticks, self.last_change = itertools.count(), -1


clock = Clock()


class VersionCounter:
    """How many in-place changes a tensor's memory has had (shared by its views), and when
    on the clock the latest few happened, which tells the version at any moment since."""

    __slots__ = ("value", "changes")
    REMEMBERED = 8

    def __init__(self):
        self.value = 0
        self.changes: deque[int] = deque(maxlen=self.REMEMBERED)

    def changed_since(self, moment: int) -> bool:
        return bool(self.changes) and self.changes[-1] > moment

    def version_at(self, moment: int) -> str:
        """The version at clock `moment`, as text: exact when the remembered changes reach
        back that far, otherwise a bound."""
        later = sum(1 for change in self.changes if change > moment)
        if later == len(self.changes) == self.REMEMBERED:
            return f"version {self.value - later} or earlier"
        return f"version {self.value - later}"


def shared_counter(t) -> VersionCounter:
    """t's version counter, made now if t has had none (a tensor gets one only when it is
    first changed or viewed: most never are, and cost nothing)."""
    if t.version_counter is None:
        t.version_counter = VersionCounter()
    return t.version_counter


def bump_version(t) -> None:
    """Count one in-place change of t's memory, now on the clock (every in-place change,
    the optimisers' and nn.init's included, calls this after writing the array)."""
    counter = t.version_counter
    if counter is None:
        counter = t.version_counter = VersionCounter()
    counter.value += 1
    if recorder is not None:
        recorder.bumped(t)
    clock.last_change = now = next(clock.ticks)
    counter.changes.append(now)


def version_of(t) -> int:
    return 0 if t.version_counter is None else t.version_counter.value


# numpy 1.x promotes 0-d arrays by their values (a 0-d float32 beside a Python 1 gives
# float64, a 0-d float64 beside a float32 vector gives float32); numpy 2 by their dtypes.
# The engine gives numpy 2's dtypes with either.
NUMPY_1 = int(np.__version__.split(".")[0]) < 2


def _with_numpy_2_dtypes(forward: Callable) -> Callable:
    """`forward`, its float result in the dtype numpy 2 gives it: its float inputs' dtypes
    promoted together (a cast, which names its dtype, is left alone)."""
    def forward_as_numpy_2(*arrays, **params):
        data = forward(*arrays, **params)
        floats = [a.dtype for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if "dtype" in params or data.dtype.kind != "f" or not floats:
            return data
        return data.astype(np.result_type(*floats), copy=False)
    return forward_as_numpy_2


# ---------------------------------------------------------------------------------------
# Primitives and nodes
# ---------------------------------------------------------------------------------------

class Primitive:
    """An operation the engine differentiates: a numpy forward and one VJP per input.

    `forward(*arrays, **params)` computes the output array. `vjps[i](g, out, *inputs,
    **params)` returns the gradient for input i, given the gradient `g` arriving at the
    output `out`. Only the VJPs of inputs that need a gradient are ever called (None marks
    an input that never has one, such as a condition; a primitive with no VJP at all, such
    as a comparison, gives a constant, recorded by nothing but `tg.compile`'s trace).

    A VJP is a formula that numpy arrays and Tensors both understand (`g * y`, `g @ w`,
    primitives such as `sigmoid(z)`). The walk calls it on arrays when it needs only the
    numbers, as `backward()` does, and on Tensors when it records the backward pass
    (`create_graph=True`): one formula gives first derivatives at numpy's speed and second
    derivatives by differentiating it. So a primitive called on arrays alone (no Tensor
    among its inputs) is just its numpy forward, and returns an array.

    `formulas` are the VJPs as short text, one per input, for the pictures and the docs.
    `saves` names, for each VJP, the values it reads besides g (names from its own
    signature, "out" for the output): `("y", "x")` for `x * y`. The walk checks only those
    for in-place changes, as PyTorch checks only what it saved. Left out, every input and
    the output count as read: the safe choice for a primitive of your own.
    `view=True` marks an output that may share the first input's memory (a reshape), so
    that both share one version counter.
    """

    __slots__ = ("name", "forward", "vjps", "formulas", "reads", "view", "differentiable")

    def __init__(self, name: str, forward: Callable, *vjps: Callable | None,
                 formulas: Sequence[str] | None = None, saves: Sequence[str] | None = None,
                 view: bool = False):
        self.name, self.vjps, self.view = name, vjps, view
        # without a VJP (a comparison) the output is a constant: nothing to record
        self.differentiable = any(vjp is not None for vjp in vjps)
        self.forward = _with_numpy_2_dtypes(forward) if NUMPY_1 else forward
        self.formulas = tuple(formulas) if formulas is not None else ("vjp",) * len(vjps)
        self.reads = tuple(_positions(name, vjp, names) for vjp, names in
                           zip(vjps, saves if saves is not None else [None] * len(vjps)))

    def __call__(self, *inputs, **params):
        arrays, tensors, record = [], False, False
        for x in inputs:
            if isinstance(x, TensorType):
                arrays.append(x.array)
                tensors = True
                record = record or x.requires_grad
            else:
                arrays.append(x)
        try:
            data = self.forward(*arrays, **params)
        except Exception as error:  # name the op and the shapes, not a numpy internal
            raise op_error(self.name, inputs, error) from None
        if not tensors:
            return data
        counter = shared_counter(inputs[0]) if self.view and _shares(data, arrays[0]) else None
        if record and thread_state.enabled and self.differentiable:
            result = _make_tensor(data, Node(self, inputs, arrays, params), counter)
        else:
            result = _make_tensor(data, None, counter)
        if recorder is not None:
            recorder.forward(self, inputs, params, result)
        return result

    def __repr__(self) -> str:
        return f"Primitive({self.name})"


def _positions(name: str, vjp: Callable | None, names: str | None) -> tuple[int, ...] | None:
    """The inputs (by position, OUT for the output) that `names` says a VJP reads, or None
    for all of them; the VJP's own parameter names (after g and out) say which position
    each name is."""
    if vjp is None:
        return ()
    if names is None:
        return None
    code = vjp.__code__
    params = code.co_varnames[2:code.co_argcount]
    positions = []
    for word in names.split():
        if word == "out":
            positions.append(OUT)
        elif word in params:
            positions.append(params.index(word))
        else:
            raise ValueError(f"{name}: a VJP saves {word!r}, which is not one of its "
                             f"parameters {('out',) + params}")
    return tuple(positions)


def _shares(data, array) -> bool:
    """Whether `data` views the memory of `array` (numpy keeps the owner in `.base`)."""
    base = data.base
    return base is not None and (base is array or base is array.base)


class Node:
    """How a tensor was made: the primitive, its inputs (the saved tensors) and params.

    `arrays` are the inputs' numbers as the forward saw them (the same arrays, not copies):
    what the VJPs get in a walk that records nothing. `order` is the node's place on the
    clock: a node's inputs are always older than it, which is what the backward walk
    relies on, and a change of a saved tensor later on the clock makes its numbers stale.
    `inputs` and `arrays` are set to None when a backward walk without `retain_graph` frees
    the graph. On the node of a recorded in-place change (`c += d`), `replaced` is the
    tensor that stands for c as it was before, and `out_written` the moment the result was
    written into c's memory (for other nodes, their own moment).
    """

    __slots__ = ("op", "inputs", "arrays", "params", "order", "replaced", "out_written")

    def __init__(self, op: Primitive, inputs: tuple, arrays: list, params: dict):
        self.op, self.inputs, self.arrays, self.params = op, inputs, arrays, params
        self.order = self.out_written = next(clock.ticks)
        self.replaced = None

    def input(self, i: int):
        """Input i as it was when this node was recorded. A tensor changed in place by a
        recorded operation (`c += d`) has a newer node since, which keeps its older self."""
        x = self.inputs[i]
        while isinstance(x, TensorType) and x.node is not None and x.node.order > self.order:
            x = x.node.replaced
        return x

    def check_versions(self, out) -> None:
        """Raise if a value the VJPs will read was changed in place since it was saved."""
        for i, reads in enumerate(self.op.reads):
            x = self.inputs[i]
            if not isinstance(x, TensorType) or not self.input(i).requires_grad:
                continue
            for j in (OUT, *range(len(self.inputs))) if reads is None else reads:
                saved = out if j == OUT else self.input(j)
                moment = self.out_written if j == OUT else self.order
                counter = getattr(saved, "version_counter", None)
                if counter is not None and counter.changed_since(moment):
                    raise modified_error(self, j, saved, counter.version_at(moment))

    def __repr__(self) -> str:
        return f"<{self.op.name} node>"


def modified_error(node: Node, j: int, saved, version: str) -> RuntimeError:
    what = "its output" if j == OUT else f"its input {j}"
    name = f" {saved.name!r}" if getattr(saved, "name", None) else ""
    return RuntimeError(
        f"backward: `{node.op.name}` saved {what}{name} (a tensor of shape "
        f"{tuple(saved.shape)}) at {version}, but it has been changed in place since "
        f"and is now at version {version_of(saved)}: the gradient would use the wrong "
        f"numbers. Change it after backward(), or change a copy (t.clone() or "
        f"t.detach().clone()) instead.")


# ---------------------------------------------------------------------------------------
# Errors that name the operation
# ---------------------------------------------------------------------------------------

def op_error(name: str, inputs: Sequence, error: Exception) -> Exception:
    """`error` from inside an operation, re-raised with the op's name and input shapes."""
    shapes = ", ".join(str(tuple(x.shape)) if hasattr(x, "shape") and hasattr(x, "dtype")
                       else repr(x) for x in inputs)
    message = str(error)
    message = message if message.startswith(f"{name}:") else f"{name}: {message}"
    return builtin_kind(error)(f"{message} (inputs: {shapes})")


def builtin_kind(error: Exception) -> type[Exception]:
    """The builtin class to re-raise `error` as, with a clearer message (numpy's own
    subclasses, such as its casting errors, cannot be built from a message alone). A
    MemoryError stays one: the caller may catch it and retry with less."""
    for kind in (MemoryError, IndexError, TypeError, ValueError):
        if isinstance(error, kind):
            return kind
    return ValueError
