"""`tg.compile(step)`: run a training step once, write down what the engine did, replay it.

The first call with a given signature (the shapes, dtypes and requires-grad pattern of the
tensor arguments, and grad mode) runs `step` eagerly while a `Recorder` watches the engine
through small hooks (`primitive.recorder`, None in eager mode): every primitive's forward,
every VJP the backward walk runs and every gradient it adds up, the leaves' `.grad`, the
optimisers' updates and `zero_grad`, the in-place stores. What it writes down is a Python
function of plain numpy calls, one line per call, with a comment naming the primitive or
VJP it came from: `compiled.code`. Later calls run that function: no graph, no heap, no
Tensor per operation, no walk.

What may be replayed is decided by where every array a primitive reads comes from:

- an argument's array (a tensor or a numpy array passed to `step`): read anew each call;
- an output recorded earlier in the same call: a local of the function;
- a tensor that existed before the call (a parameter, a buffer, a captured constant): read
  from that same Tensor object at each call, so in-place updates are seen. Captured tensors
  are constants by reference: state that changes between calls must be an argument;
- a constant made by the engine itself without reading any tensor (the backward seed).

A tensor made during the call by anything else (a comparison, a list, numpy code, random
numbers), or numbers that leave the engine (`.item()`, `bool(t)`, `.numpy()`, `unwrap`),
could differ on the next call in a way the record cannot see: `step` then runs eagerly
from then on, with one warning that says why. So does an in-place change the engine does
not see (`t.array[...] = ...`). A replay reuses its `.grad` arrays from call to call (as
PyTorch's `zero_grad(set_to_none=False)` does), and returns fresh tensors without a graph.
"""

from __future__ import annotations

import builtins
import functools
import gc
import inspect
import math
import re
import threading
import time
import warnings
from collections.abc import Callable

import numpy as np

from . import ops, primitive
from .grad_mode import thread_state
from .nn import Module
from .optim import Optimizer
from .primitive import Primitive
from .tensor import Tensor

__all__ = ["compile", "Compiled"]

CACHE_SIZE = 8  # signatures kept per compiled function before it gives up and runs eagerly
LITERAL_LIMIT = 10_000  # numbers in a constant that the source may spell out

# The name under which each primitive of ops.py is reachable (ops.sigmoid, ops.linear).
OPS_NAMES = {id(value): name for name, value in vars(ops).items()
             if isinstance(value, Primitive)}


class Untraceable(Exception):
    """Why a call cannot be replayed (raised inside the recorder, caught by it)."""


def python_name(text: str) -> str:
    """`hidden.weight` -> `hidden_weight`, `0.bias` -> `layer0_bias`."""
    name = re.sub(r"\W", "_", text)
    return f"layer{name}" if name[:1].isdigit() else name


def literal(value) -> str:
    """Python source that rebuilds `value` (a number, a numpy scalar or a small array, a
    dtype, a slice, None, or tuples and lists of those)."""
    if value is None or isinstance(value, (bool, int, str)) or value is Ellipsis:
        return "..." if value is Ellipsis else repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, np.generic):
        return f"np.{value.dtype.name}({literal(value.item())})"
    if isinstance(value, np.dtype):
        return f"np.dtype({value.name!r})"
    if isinstance(value, type) and issubclass(value, np.generic):
        return f"np.{value.__name__}"
    if isinstance(value, slice):
        return f"slice({literal(value.start)}, {literal(value.stop)}, {literal(value.step)})"
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, np.ndarray) and value.size <= LITERAL_LIMIT:
        return f"np.array({value.tolist()!r}, dtype=np.{value.dtype.name})"
    raise Untraceable(f"a value the replay cannot spell out ({type(value).__name__})")


# ---------------------------------------------------------------------------------------
# The recorder
# ---------------------------------------------------------------------------------------

class Recorder:
    """What one eager call did, as lines of Python, and whether it may be replayed."""

    def __init__(self, fn: Callable, args: tuple, names: dict[int, str]):
        self.thread = threading.get_ident()
        self.failure: str | None = None
        self.known: dict[int, str] = {}      # id(array) -> the name that holds it
        self.alive: list = []                # those arrays, so that no id is reused
        self.taken: set[str] = set()
        self.lines: list[tuple[str, str]] = []     # (code, comment)
        self.globals: list[tuple[str, str]] = []   # module-level buffers and constants
        self.tensors: dict[int, tuple[str, Tensor]] = {}  # captured: id -> (name, tensor)
        self.label = names                   # id(tensor or optimiser) -> readable name
        self.optimizers: dict[int, tuple[str, Optimizer]] = {}
        self.grad_guards: dict[int, tuple[Tensor, bool]] = {}  # .grad is None at entry
        self.cleared: set[int] = set()
        self.grad_buffers: dict[int, str] = {}
        self.expected_bumps: list[int] = []
        self.before = {id(t) for t in gc.get_objects() if isinstance(t, Tensor)}
        self.arg_names = []
        parameters = list(inspect.signature(fn).parameters)
        for i, arg in enumerate(args):
            name = self.fresh(python_name(parameters[i]) if i < len(parameters)
                              and not parameters[i].startswith("*") else f"arg{i}")
            self.arg_names.append(name)
            array = arg.array if isinstance(arg, Tensor) else arg
            if isinstance(array, np.ndarray) and id(array) not in self.known:
                self.remember(array, name)

    # -- names --------------------------------------------------------------------------
    def fresh(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}_{k}"
        self.taken.add(name)
        return name

    def remember(self, array: np.ndarray, name: str) -> str:
        self.known[id(array)] = name
        self.alive.append(array)
        return name

    def active(self) -> bool:
        return self.failure is None and threading.get_ident() == self.thread

    def fail(self, reason: str) -> None:
        if self.failure is None:
            self.failure = reason

    def emit(self, code: str, comment: str) -> None:
        self.lines.append((code, comment))

    def captured(self, t: Tensor) -> str:
        """The name of the array of a tensor that existed before the call."""
        entry = self.tensors.get(id(t))
        if entry is None:
            base = python_name(self.label.get(id(t)) or t.name or "captured")
            name = self.fresh(base)
            self.tensors[id(t)] = entry = (name, t)
            self.remember(t.array, name)
            shown = self.label.get(id(t)) or t.name or "a tensor captured by the function"
            self.emit(f"{name} = p_{name}.array", f"{shown}, read at every call")
        return entry[0]

    def tensor_array(self, t: Tensor, reader: str) -> str:
        name = self.known.get(id(t.array))
        if name is not None:
            return name
        if id(t) in self.before:
            return self.captured(t)
        raise Untraceable(
            f"{reader} reads a tensor of shape {tuple(t.shape)} made during the traced call "
            f"outside the engine's operations (by a comparison, from a list or a numpy "
            f"array, or from random numbers): its numbers would be frozen into the replay")

    def value(self, v, reader: str) -> str:
        """Source for an operand or parameter, tracing arrays to where they came from."""
        if isinstance(v, Tensor):
            return self.tensor_array(v, reader)
        name = self.known.get(id(v))
        if name is not None:  # an argument or a recorded result (an array or a scalar)
            return name
        if isinstance(v, np.ndarray):
            name = self.fresh("constant")
            self.globals.append((name, literal(v)))
            return self.remember(v, name)
        if isinstance(v, tuple):
            inner = ", ".join(self.value(x, reader) for x in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if isinstance(v, list):
            return "[" + ", ".join(self.value(x, reader) for x in v) + "]"
        return literal(v)

    def arguments(self, values, params: dict, reader: str) -> str:
        parts = [self.value(v, reader) for v in values]
        parts += [f"{k}={self.value(v, reader)}" for k, v in params.items()]
        return ", ".join(parts)

    def guarded(method):
        """Run a hook only while this thread traces; turn Untraceable into a failure."""
        @functools.wraps(method)
        def hook(self, *args):
            if self.active():
                try:
                    method(self, *args)
                except Untraceable as why:
                    self.fail(str(why))
        return hook

    # -- the hooks ----------------------------------------------------------------------
    @guarded
    def forward(self, op: Primitive, inputs, params: dict, result: Tensor) -> None:
        call = self.arguments(inputs, params, f"`{op.name}`")
        name = self.remember(result.array, self.fresh(python_name(op.name)))
        self.emit(f"{name} = {primitive_source(op)}.forward({call})", f"{op.name}")

    @guarded
    def vjp(self, node, i: int, args: tuple, gx) -> None:
        out_name = self.known.get(id(args[1]), "out")
        reader = f"the VJP of `{node.op.name}`"
        call = self.arguments(args, node.params, reader)
        x = node.inputs[i]
        base = self.known.get(id(x.array)) if isinstance(x, Tensor) else None
        name = self.remember(gx, self.fresh(f"grad_{base or out_name + f'_input{i}'}"))
        self.emit(f"{name} = {primitive_source(node.op)}.vjps[{i}]({call})",
                  f"VJP of {node.op.name} for input {i}: {node.op.formulas[i]}")

    @guarded
    def call(self, fn, args: tuple, kwargs: dict, result, base: str, comment: str) -> None:
        first = self.known.get(id(args[0]), base) if isinstance(args[0], np.ndarray) else base
        name = self.remember(result, self.fresh(f"{first}_{base}"))
        if fn is np.add:
            self.emit(f"{name} = {self.value(args[0], comment)} + "
                      f"{self.value(args[1], comment)}", comment)
        else:  # ndarray.astype
            self.emit(f"{name} = {self.value(args[0], comment)}.astype("
                      f"{self.value(args[1], comment)})", comment)

    def leaf_name(self, t: Tensor) -> str:
        if id(t.array) in self.known and id(t) in self.tensors:
            return self.tensors[id(t)][0]
        if id(t) in self.before and not self.is_argument(t):
            return self.captured(t)
        raise Untraceable("backward() filled .grad of a tensor made during the call or "
                          "passed as an argument (only captured parameters keep .grad)")

    def is_argument(self, t: Tensor) -> bool:
        return self.known.get(id(t.array)) in self.arg_names

    @guarded
    def grad_stored(self, t: Tensor, before, g) -> None:
        name = self.leaf_name(t)
        grad = self.grad_buffers.get(id(t))
        first = grad is None and id(t) not in self.cleared  # .grad as it was at entry
        if grad is None:  # the .grad array, allocated once
            grad = self.grad_buffers[id(t)] = self.fresh(f"{name}_grad")
            self.globals.append((grad, f"np.empty({t.shape!r}, dtype=np.{t.dtype.name})"))
        if before is None:
            if first:
                self.grad_guards.setdefault(id(t), (t, True))
            self.emit(f"np.copyto({grad}, {self.value(g, 'backward')})",
                      f"{self.label.get(id(t), name)}.grad")
        else:
            old = self.known.get(id(before.array))
            if old is None:  # the gradient left by an earlier call: accumulate into it
                self.grad_guards.setdefault(id(t), (t, False))
                old = f"p_{name}.grad.array"
            self.emit(f"np.add({old}, {self.value(g, 'backward')}, out={grad})",
                      f"{self.label.get(id(t), name)}.grad accumulates")
        self.remember(t.grad.array, grad)

    @guarded
    def grads_cleared(self, owner, set_to_none: bool) -> None:
        if not set_to_none:
            raise Untraceable("zero_grad(set_to_none=False) makes new zero tensors")
        params = owner.parameters() if isinstance(owner, Module) else [
            p for group in owner.param_groups for p in group["params"]]
        for p in params:
            if id(p) in self.before:
                self.captured(p)
            self.cleared.add(id(p))

    @guarded
    def optimizer_update(self, optimizer: Optimizer, p: Tensor, g, group: dict) -> None:
        name = self.leaf_name(p)
        opt = self.optimizer_name(optimizer)
        k = next(k for k, grp in enumerate(optimizer.param_groups) if grp is group)
        grad = self.value(g, f"{type(optimizer).__name__}.step")
        kind = type(optimizer).__name__
        if kind == "SGD" and group["momentum"] == 0 and group["weight_decay"] == 0:
            # the update SGD._update makes, spelled out: theta -= lr * g
            self.emit(f'{opt}.state.setdefault(p_{name}, {{"step": 0}})["step"] += 1',
                      f"{kind}.step: count")
            self.emit(f'{name} -= {opt}.param_groups[{k}]["lr"] * {grad}',
                      f"{kind}.step: theta -= lr * g (lr read at every call)")
            self.emit(f"bump_version(p_{name})", "a new version of the parameter")
        else:
            self.emit(f"{opt}._step_one(p_{name}, {grad}, {opt}.param_groups[{k}])",
                      f"{kind}.step for {self.label.get(id(p), name)} (its own numpy "
                      f"update, hyperparameters and state read at every call)")
        self.expected_bumps.append(id(p))

    def optimizer_name(self, optimizer: Optimizer) -> str:
        entry = self.optimizers.get(id(optimizer))
        if entry is None:
            name = self.fresh(python_name(self.label.get(id(optimizer))
                                          or type(optimizer).__name__.lower()))
            self.optimizers[id(optimizer)] = entry = (name, optimizer)
        return entry[0]

    @guarded
    def stored(self, t: Tensor, result: Tensor) -> None:
        target = self.tensor_array(t, "an in-place change")
        self.emit(f"np.copyto({target}, {self.value(result, 'an in-place change')}, "
                  f"casting='unsafe')", "an in-place change, written into the tensor")
        if id(t) in self.tensors:
            self.emit(f"bump_version(p_{target})", "a new version of the tensor")
        self.expected_bumps.append(id(t))

    @guarded
    def bumped(self, t: Tensor) -> None:
        if id(t) in self.expected_bumps:
            self.expected_bumps.remove(id(t))
            return
        raise Untraceable("an in-place change the engine does not record (such as "
                          "t.numpy()[...] = ..., nn.init or numpy code on a buffer)")

    @guarded
    def escaped(self, t: Tensor, how: str) -> None:
        raise Untraceable(
            f"{how} reads the numbers of a tensor of shape {tuple(t.shape)} in Python or "
            f"numpy; what is computed from them (including the path through `if`s) could "
            f"differ on the next call, which a replay cannot see")

    del guarded

    # -- the function -------------------------------------------------------------------
    def result(self, value) -> str:
        if isinstance(value, Tensor):
            if id(value) in self.tensors:
                return f"p_{self.tensors[id(value)][0]}"
            return f"wrap(np.copy({self.tensor_array(value, 'the returned value')}))"
        if isinstance(value, (tuple, list)):
            inner = ", ".join(self.result(v) for v in value)
            if isinstance(value, list):
                return f"[{inner}]"
            return f"({inner},)" if len(value) == 1 else f"({inner})"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{literal(k)}: {self.result(v)}"
                                   for k, v in value.items()) + "}"
        return literal(value)

    def final_grad(self, t: Tensor) -> str | None:
        """Source for the `.grad` a captured tensor has after the call (None: untouched)."""
        if t.grad is None:  # None at entry, or set to None during the call: both kept
            return "None"
        name = self.known.get(id(t.grad.array))
        if name is not None:  # filled during the call: the buffer, or a recorded result
            return f"{name}_tensor" if name == self.grad_buffers.get(id(t)) \
                else f"wrap({name})"
        if id(t.grad) in self.before:
            return None  # a gradient from before the call, left as it was
        raise Untraceable(".grad was set to a tensor made outside the engine's operations")

    def source(self, fn_name: str, returned) -> str:
        """The whole program: imports, buffers and constants, and the function."""
        returned = self.result(returned)
        captured = [f"p_{name}" for name, _ in self.tensors.values()]
        optimizers = [name for name, _ in self.optimizers.values()]
        head = ["import numpy as np", "", "from tinygrad_edu import ops",
                "from tinygrad_edu.primitive import bump_version",
                "from tinygrad_edu.tensor import wrap", ""]
        head += [f"{name} = {code}" for name, code in self.globals]
        params = ", ".join(self.arg_names + captured + optimizers)
        body = list(self.lines)
        for name, t in list(self.tensors.values()):
            value = self.final_grad(t)
            if value is not None:
                body.append((f"p_{name}.grad = {value}", "the .grad that eager leaves"))
        head += [f"{grad}_tensor = wrap({grad})" for grad in self.grad_buffers.values()]
        body.append((f"return {returned}", ""))
        width = min(max(len(code) for code, _ in body), 64) + 2
        lines = [f"    {code:<{width}}# {comment}" if comment else f"    {code}"
                 for code, comment in body]
        return "\n".join(head + ["", "", f"def {fn_name}({params}):"] + lines) + "\n"


def primitive_source(op: Primitive) -> str:
    name = OPS_NAMES.get(id(op))
    if name is not None:
        return f"ops.{name}"
    if op.name == "cat":
        return f"ops.cat({len(op.vjps)})"
    raise Untraceable(f"`{op.name}` is not a primitive of ops.py (a custom Function)")


def names_in(fn: Callable) -> dict[int, str]:
    """Readable names for the parameters, buffers and optimisers `fn` can reach: from the
    modules and optimisers among its closure and the globals it names."""
    found: dict[str, object] = {}
    code = getattr(fn, "__code__", None)
    if code is not None:
        for var, cell in zip(code.co_freevars, fn.__closure__ or ()):
            try:
                found[var] = cell.cell_contents
            except ValueError:  # an empty cell
                continue
        globals_ = getattr(fn, "__globals__", {})
        found.update((n, globals_[n]) for n in code.co_names if n in globals_)
    names: dict[int, str] = {}
    for var, obj in found.items():
        if isinstance(obj, Module):
            for name, t in [*obj.named_parameters(), *obj.named_buffers()]:
                names.setdefault(id(t), name)
        elif isinstance(obj, Optimizer):
            names.setdefault(id(obj), var)
    return names


# ---------------------------------------------------------------------------------------
# The compiled function
# ---------------------------------------------------------------------------------------

class Replay:
    """One traced signature: the generated function and what it needs at each call."""

    def __init__(self, recorder: Recorder, source: str, fn_name: str, seconds: float):
        namespace: dict = {}
        exec(builtins.compile(source, f"<tg.compile {fn_name}>", "exec"), namespace)
        extra = [t for _, t in recorder.tensors.values()]
        extra += [o for _, o in recorder.optimizers.values()]
        self.function, self.extra = namespace[fn_name], tuple(extra)
        self.guards = tuple(recorder.grad_guards.values())
        self.source, self.seconds = source, seconds

    def matches(self) -> bool:
        return all((t.grad is None) == none for t, none in self.guards)

    def __call__(self, arrays):
        return self.function(*arrays, *self.extra)


class Compiled:
    """`step` compiled (see the module's docstring); call it as `step`."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.cache: dict[tuple, list[Replay]] = {}
        self.eager_because: str | None = None
        self.last: Replay | None = None
        functools.update_wrapper(self, fn)

    @property
    def code(self) -> str:
        """The Python source of the latest replay: one numpy call per line."""
        if self.last is None:
            raise RuntimeError("compile: no code yet; call the compiled function once"
                               + (f" (it runs eagerly: {self.eager_because})"
                                  if self.eager_because else ""))
        return self.last.source

    def source(self) -> str:
        return self.code

    @property
    def first_call_seconds(self) -> float | None:
        """What the latest trace cost: the eager call, the recording and the compile."""
        return None if self.last is None else self.last.seconds

    def __call__(self, *args):
        if self.eager_because is not None or primitive.recorder is not None:
            return self.fn(*args)  # given up, or inside another function's trace
        key = signature(args)
        if key is None:
            return self.run_eagerly("an argument is neither a tensor, a numpy array nor "
                                    "a hashable value", args)
        for replay in self.cache.get(key, ()):
            if replay.matches():
                self.last = replay
                return replay([a.array if isinstance(a, Tensor) else a for a in args])
        if sum(map(len, self.cache.values())) >= CACHE_SIZE:
            return self.run_eagerly(f"more than {CACHE_SIZE} signatures", args)
        return self.trace(key, args)

    def run_eagerly(self, reason: str, args):
        self.eager_because = reason
        warnings.warn(f"tg.compile: {self.__name__} runs eagerly from now on: {reason}",
                      RuntimeWarning, stacklevel=3)
        return self.fn(*args)

    def trace(self, key: tuple, args):
        start = time.perf_counter()
        recorder = Recorder(self.fn, args, names_in(self.fn))
        primitive.recorder = recorder
        try:
            returned = self.fn(*args)
        finally:
            primitive.recorder = None
        if recorder.failure is None and recorder.expected_bumps:
            recorder.fail("an in-place change without its version bump")
        if recorder.failure is None:
            try:
                name = python_name(getattr(self.fn, "__name__", "step"))
                name = "step" if name == "_lambda_" else name
                source = recorder.source(name, returned)
                replay = Replay(recorder, source, name, time.perf_counter() - start)
            except Untraceable as why:
                recorder.fail(str(why))
        if recorder.failure is not None:
            self.eager_because = recorder.failure
            warnings.warn(f"tg.compile: {self.__name__} runs eagerly from now on: "
                          f"{recorder.failure}", RuntimeWarning, stacklevel=3)
            return returned
        self.cache.setdefault(key, []).append(replay)
        self.last = replay
        return returned


def signature(args: tuple) -> tuple | None:
    """What a replay depends on: grad mode, and each argument's kind, shape, dtype and
    requires_grad (tensors), shape and dtype (arrays) or value (anything hashable)."""
    parts: list = [thread_state.enabled]
    first: dict[int, int] = {}
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            parts.append((Tensor, a.array.shape, a.array.dtype, a.requires_grad,
                          first.setdefault(id(a.array), i)))
        elif isinstance(a, np.ndarray):
            parts.append((np.ndarray, a.shape, a.dtype, first.setdefault(id(a), i)))
        else:
            try:
                hash(a)
            except TypeError:
                return None
            parts.append((type(a), a))
    return tuple(parts)


def compile(fn: Callable | None = None):  # noqa: A001 (PyTorch's name)
    """Compile a training step: `step = tg.compile(step)` or `@tg.compile`.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = tg.optim.SGD([w], lr=0.1)
    >>> @tg.compile
    ... def step(x):
    ...     opt.zero_grad()
    ...     loss = ((x * w) ** 2).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     return loss
    >>> [round(step(tg.tensor([1.0, 1.0])).item(), 4) for _ in range(3)]
    [5.0, 3.2, 2.048]
    """
    if fn is None:
        return compile
    return Compiled(fn)
