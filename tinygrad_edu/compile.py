"""`tg.compile(step)`: run a training step once, write down what the engine did, replay it.

The first call with a given signature (the shapes, dtypes and requires-grad pattern of the
tensor arguments, grad mode, the modules, optimisers and tensors that the names the step
reads stand for, and the train or eval mode of the modules it calls) runs `step` eagerly
while a `Recorder` watches the engine through small hooks (`primitive.recorder`, None in
eager mode): every primitive's forward, every VJP the backward walk runs and every
gradient it adds up, the leaves' `.grad`, the optimisers' updates and `zero_grad`, the
in-place stores, the modules called and the modes set. What it writes down is a Python
function of plain numpy calls, one line per call, with a comment naming the primitive or
VJP it came from: `compiled.code`. Later calls run that function: no graph, no heap, no
Tensor per operation, no walk.

What may be replayed is decided by where every array a primitive reads comes from:

- an argument's array (a tensor or a numpy array passed to `step`): read anew each call;
- an output recorded earlier in the same call: a local of the function;
- a tensor that existed before the call (a parameter, a buffer, a captured constant), or a
  new tensor on its array (`w.detach()`): read from that same Tensor object at each call,
  so in-place updates are seen. Captured tensors are constants by reference: state that
  changes between calls must be an argument;
- a constant made by the engine itself without reading any tensor (the backward seed).

A tensor made during the call by anything else (a list, numpy code, `tg.rand`; a
comparison, `F.one_hot` and dropout's random factors are primitives, recorded), an index
by a boolean mask (the shapes after it depend on the values), or numbers that leave the
engine (`.item()`, `bool(t)`, `.numpy()`, `unwrap`), could differ on the next call in a
way the record cannot see: `step` then runs eagerly from then on, with one warning that
says why. So does an in-place change the engine does not see (`t.array[...] = ...`).
A replay reuses its `.grad` arrays from call to call (as PyTorch's
`zero_grad(set_to_none=False)` does), and returns fresh tensors without a graph: so a
function that returns a tensor requiring grad without running a backward (a model's
forward, whose caller will differentiate it) runs eagerly too.
"""

from __future__ import annotations

import builtins
import functools
import gc
import inspect
import keyword
import math
import re
import threading
import time
import warnings
from collections.abc import Callable

import numpy as np

from . import ops, primitive
from .compile_optim import GUARD_FUNCTION, Guards, Update, written_updates
from .grad_mode import thread_state
from .nn import Module
from .optim import Optimizer
from .primitive import Primitive
from .tensor import Tensor

__all__ = ["compile", "Compiled"]

CACHE_SIZE = 8  # signatures kept per compiled function before it gives up and runs eagerly
LITERAL_LIMIT = 10_000  # numbers in a constant that the source may spell out

# The names of the values that primitives compute, in the article's letters where it has
# them: z = W a + b, a = sigmoid(z); others by their primitive's name.
SHORT_NAMES = {"linear": "z", "matmul": "z", "sigmoid": "a", "relu": "a", "tanh": "a",
               "binary_cross_entropy_with_logits": "bce", "binary_cross_entropy": "bce",
               "log_softmax": "log_p", "sum": "total", "div": "ratio", "mul": "product",
               "add": "plus", "sub": "minus"}

# The name under which each primitive of ops.py is reachable (ops.sigmoid, ops.linear).
OPS_NAMES = {id(value): name for name, value in vars(ops).items()
             if isinstance(value, Primitive)}


def boolean_mask(value) -> bool:
    """Whether an index (or a tuple of them) holds a boolean array."""
    if isinstance(value, tuple):
        return any(boolean_mask(v) for v in value)
    return isinstance(value, np.ndarray) and value.dtype == np.bool_ and value.ndim > 0


class Untraceable(Exception):
    """Why a call cannot be replayed (raised inside the recorder, caught by it)."""


def positional_names(fn: Callable) -> list[str]:
    """The names of `fn`'s positional parameters (for the generated function's own)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # a callable without a signature
        return []
    return [p.name for p in parameters
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def python_name(text: str) -> str:
    """`hidden.weight` -> `hidden_weight`, `0.bias` -> `layer0_bias`."""
    name = re.sub(r"\W+", "_", text).strip("_") or "value"
    name = f"layer{name}" if name[:1].isdigit() else name
    return f"{name}_" if keyword.iskeyword(name) else name  # `lambda` -> `lambda_`


def numpy_type(dtype) -> str:
    """`np.float32`, `np.bool_` (numpy 1) or `np.bool` (numpy 2): the scalar type's name."""
    return f"np.{np.dtype(dtype).type.__name__}"


def empty(shape, dtype) -> str:
    return f"np.empty({tuple(shape)!r}, dtype={numpy_type(dtype)})"


def literal(value) -> str:
    """Python source that rebuilds `value` (a number, a numpy scalar or a small array, a
    dtype, a slice, None, or tuples and lists of those)."""
    if value is None or isinstance(value, (bool, int, str)) or value is Ellipsis:
        return "..." if value is Ellipsis else repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, (np.float16, np.float32, np.float64)) and np.isfinite(value):
        # numpy prints the shortest digits that give back the same scalar: np.float32(0.1)
        return f"{numpy_type(value.dtype)}({value!s})"
    if isinstance(value, np.generic):
        return f"{numpy_type(value.dtype)}({literal(value.item())})"
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
    if isinstance(value, np.ndarray) and value.size > 1 and (value == value.flat[0]).all():
        return (f"np.full({value.shape!r}, {literal(value.flat[0].item())}, "
                f"dtype={numpy_type(value.dtype)})")
    if isinstance(value, np.ndarray) and value.size <= LITERAL_LIMIT:
        return f"np.array({value.tolist()!r}, dtype={numpy_type(value.dtype)})"
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
        self.label = names            # id(tensor, optimiser or module) -> readable name
        # the optimisers and modules whose methods the code calls: id -> (name, object)
        self.objects: dict[int, tuple[str, Optimizer | Module]] = {}
        # train/eval: the mode each module called had at entry (those the step puts in a
        # mode before calling them have none: their mode at entry does not matter)
        self.modes: dict[int, tuple[Module, bool]] = {}
        self.modes_set: set[int] = set()
        self.walked = False  # whether a backward walk ran in the call
        self.grad_guards: dict[int, tuple[Tensor, bool]] = {}  # .grad is None at entry
        self.cleared: set[int] = set()
        self.outputs: set[str] = set()  # buffers that templates write (see Lines)
        self.constants: set[str] = set()  # names whose numbers never change
        self.numbers: dict[tuple, str] = {}  # (dtype, bytes) -> a scalar made once
        self.grad_buffers: dict[int, str] = {}
        self.expected_bumps: list[int] = []
        self.optimizer_guards = Guards()  # what the optimisers' lines were written for
        self.strict = False  # True while a forward's operands are traced (see `value`)
        self.bound = bindings(fn)  # what the names the step reads name now
        # the tensors alive before the call (kept alive while tracing: no id is reused)
        self.before = {id(t): t for t in gc.get_objects() if isinstance(t, Tensor)}
        self.before_arrays = {id(t.array): t for t in self.before.values()}
        self.arg_names = []
        parameters = positional_names(fn)
        for i, arg in enumerate(args):
            name = self.fresh(python_name(parameters[i]) if i < len(parameters)
                              else f"arg{i}")
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

    def numbered(self, base: str) -> str:
        """`z1`, `z2`, ... as the article numbers its layers' values."""
        k = 1
        while f"{base}{k}" in self.taken:
            k += 1
        self.taken.add(f"{base}{k}")
        return f"{base}{k}"

    def number(self, value, dtype) -> str:
        """A numpy scalar of `dtype`, made once, as a global: numpy would convert a Python
        number (or build np.float32(...)) at every call, about 0.1 us of a 0.5 us call on
        small arrays. The numbers are the same: numpy casts a Python number to the array's
        dtype before the arithmetic."""
        scalar = np.dtype(dtype).type(value)
        key = (scalar.dtype, scalar.tobytes())  # not by ==: -0.0 and 0.0 differ
        name = self.numbers.get(key)
        if name is None:
            word = {0: "zero", 1: "one"}.get(value) or python_name(
                f"number_{value:g}".replace("-", "minus_"))
            name = self.numbers[key] = self.fresh(word)
            self.globals.append((name, literal(scalar)))
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
        owner = self.before_arrays.get(id(t.array))
        if owner is not None:  # a new tensor on an older one's array (t.detach()): read it
            return self.captured(owner)
        raise Untraceable(
            f"{reader} reads a tensor of shape {tuple(t.shape)} made during the traced call "
            f"outside the engine's operations (from a list or a numpy "
            f"array, or from random numbers): its numbers would be frozen into the replay")

    def value(self, v, reader: str) -> str:
        """Source for an operand or parameter, tracing arrays to where they came from."""
        if isinstance(v, Tensor):
            return self.tensor_array(v, reader)
        name = self.known.get(id(v))
        if name is not None:  # an argument or a recorded result (an array or a scalar)
            return name
        if isinstance(v, np.ndarray):
            if self.strict:
                raise Untraceable(
                    f"{reader} is given a numpy array of shape {v.shape} made outside the "
                    f"engine's operations (a mask or an index computed from numbers "
                    f"with numpy?): it would be frozen into the replay")
            name = self.fresh("constant")  # the backward seed: 1, whatever the batch
            self.globals.append((name, literal(v)))
            self.constants.add(name)
            return self.remember(v, name)
        if isinstance(v, tuple):
            inner = ", ".join(self.value(x, reader) for x in v)
            return f"({inner},)" if len(v) == 1 else f"({inner})"
        if isinstance(v, list):
            return "[" + ", ".join(self.value(x, reader) for x in v) + "]"
        if isinstance(v, np.generic) and v.dtype.kind in "biuf":
            return self.number(v.item(), v.dtype)
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
        reader = f"`{op.name}`"
        if any(boolean_mask(v) for v in params.values()):
            raise Untraceable(f"{reader} indexes by a boolean mask: how many entries it "
                              f"picks, so the shapes after it, depend on the values")
        self.strict = True  # in the forward, only the engine's own values may be read
        try:
            sources = [self.value(x, reader) for x in inputs]
            call = self.arguments(inputs, params, reader)
        finally:
            self.strict = False
        values = [x.array if isinstance(x, Tensor) else x for x in inputs]
        if self.folded(result.array, values, params):
            return
        name = self.numbered(SHORT_NAMES.get(op.name, python_name(op.name)))
        if not self.templated((op.name, "forward"), name, result.array, sources, values,
                              params, op.name):
            self.emit(f"{name} = {primitive_source(op)}.forward({call})", op.name)
        self.remember(result.array, name)

    @guarded
    def vjp(self, node, i: int, args: tuple, gx) -> None:
        self.walked = True
        if isinstance(gx, Tensor):
            raise Untraceable("backward(create_graph=True) records the backward pass as a "
                              "graph to differentiate, which a replay does not keep")
        out_name = self.known.get(id(args[1]), "out")
        reader = f"the VJP of `{node.op.name}`"
        x = node.inputs[i]
        base = self.known.get(id(x.array)) if isinstance(x, Tensor) else None
        name = self.fresh(f"grad_{base or out_name + f'_input{i}'}")
        comment = f"VJP of {node.op.name} for input {i}: {node.op.formulas[i]}"
        sources = [self.value(v, reader) for v in args]
        reads = node.op.reads[i]
        read = args if reads is None else [args[0]] + [args[1 if j < 0 else 2 + j]
                                                       for j in reads]
        if self.folded(gx, read, node.params):
            return
        if not self.templated((node.op.name, i), name, gx, sources, args, node.params,
                              comment):
            call = self.arguments(args, node.params, reader)
            self.emit(f"{name} = {primitive_source(node.op)}.vjps[{i}]({call})", comment)
        self.remember(gx, name)

    def constant(self, v) -> bool:
        """Whether `v` is the same at every call: a number, or an array that is."""
        if isinstance(v, (tuple, list)):
            return all(self.constant(x) for x in v)
        if isinstance(v, Tensor):
            v = v.array
        name = self.known.get(id(v))
        if name is not None:
            return name in self.constants
        return not isinstance(v, np.ndarray)  # numbers are spelled out as literals

    def folded(self, result, values, params: dict) -> bool:
        """A call whose operands are all constants gives a constant: computed now, once
        (the backward seed divided by the batch size), as a literal of the source."""
        if not (self.constant(list(values)) and self.constant(list(params.values()))):
            return False
        result = np.asarray(result)
        if result.size > LITERAL_LIMIT:
            return False
        name = self.fresh("constant")
        self.globals.append((name, literal(result)))
        self.constants.add(name)
        self.remember(result, name)
        return True

    def templated(self, key, name: str, result, sources, values, params, comment) -> bool:
        """Write the call as plain numpy into buffers, if a template knows it (see
        TEMPLATES); False leaves it to a call of the engine's own function."""
        template = TEMPLATES.get(key)
        if template is None or not isinstance(result, (np.ndarray, np.generic)):
            return False
        lines = Lines(self, name, np.asarray(result))
        if not template(lines, *sources, values=values, **params):
            return False
        for code in lines.code:
            self.emit(code, comment)
            comment = "..."
        return True

    @guarded
    def call(self, fn, args: tuple, kwargs: dict, result, base: str, comment: str) -> None:
        first = self.known.get(id(args[0]), base) if isinstance(args[0], np.ndarray) else base
        name = self.fresh(f"{first}_{base}")
        if fn is np.add:
            a, b = (self.value(v, comment) for v in args)
            if self.folded(result, args, {}):
                return
            if not self.templated(("add", "forward"), name, result, [a, b], args, {},
                                  comment):
                self.emit(f"{name} = {a} + {b}", comment)
        else:  # ndarray.astype
            self.emit(f"{name} = {self.value(args[0], comment)}.astype("
                      f"{self.value(args[1], comment)})", comment)
        self.remember(result, name)

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
        self.walked = True
        name = self.leaf_name(t)
        grad = self.grad_buffers.get(id(t))
        first = grad is None and id(t) not in self.cleared  # .grad as it was at entry
        source = self.value(g, "backward")
        if grad is None and before is None and source in self.outputs:
            # the VJP's own buffer becomes .grad (written once per call, read by no one
            # else), as eager keeps the VJP's array: no copy
            self.outputs.discard(source)
            grad = self.grad_buffers[id(t)] = source
        elif grad is None:  # the .grad array, allocated once
            grad = self.grad_buffers[id(t)] = self.fresh(f"{name}_grad")
            self.globals.append((grad, empty(t.shape, t.dtype)))
        if before is None:
            if first:
                self.grad_guards.setdefault(id(t), (t, True))
            if grad != source:
                self.emit(f"{grad}[...] = {source}", f"{self.label.get(id(t), name)}.grad")
        else:
            old = self.known.get(id(before.array))
            if old is None:  # the gradient left by an earlier call: accumulate into it
                self.grad_guards.setdefault(id(t), (t, False))
                old = f"p_{name}.grad.array"
            self.emit(f"add({old}, {source}, out={grad})",
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
        # written out when the code is (see `updates_written`), after the step is taken
        name = self.leaf_name(p)
        k = next(k for k, grp in enumerate(optimizer.param_groups) if grp is group)
        grad = self.value(g, f"{type(optimizer).__name__}.step")
        self.emit(STEP_TAKEN, Update(optimizer, self.object_name(optimizer), k, p, name,
                                     grad, g.dtype, self.label.get(id(p), name)))
        self.expected_bumps.append(id(p))

    def object_name(self, obj: Optimizer | Module) -> str:
        entry = self.objects.get(id(obj))
        if entry is None:
            name = self.fresh(python_name(self.label.get(id(obj))
                                          or type(obj).__name__.lower()))
            self.objects[id(obj)] = entry = (name, obj)
        return entry[0]

    @guarded
    def module_called(self, module: Module) -> None:
        # Dropout and BatchNorm read `training` in Python: the replay is the traced mode's
        if id(module) not in self.modes_set:
            self.modes.setdefault(id(module), (module, module.training))

    @guarded
    def mode_set(self, module: Module, mode: bool) -> None:
        for m in module.modules():
            if id(m) not in self.modes:
                self.modes_set.add(id(m))
        self.emit(f"{self.object_name(module)}.train({mode})",
                  f"{'train' if mode else 'eval'}(): the mode the step sets")

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
            if value.requires_grad and not self.walked:
                raise Untraceable(
                    "it returns a tensor that requires grad and runs no backward: the "
                    "caller's backward() would need its graph, which a replay does not "
                    "build (compile the whole training step, backward included)")
            return f"wrap({self.tensor_array(value, 'the returned value')}.copy())"
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
        objects = [name for name, _ in self.objects.values()]
        head = ["# Generated by tg.compile. Each numpy call writes into its last argument",
                "# (its out=, by position), a buffer allocated once, below.",
                "import numpy as np",
                f"from numpy import {', '.join(UFUNCS)}", "",
                "from tinygrad_edu import ops",
                "from tinygrad_edu.compile_optim import steps_taken",
                "from tinygrad_edu.primitive import bump_version",
                "from tinygrad_edu.tensor import wrap", ""]
        params = ", ".join(self.arg_names + captured + objects)
        body = self.updates_written()
        for name, t in list(self.tensors.values()):
            value = self.final_grad(t)
            if value is not None:
                body.append((f"p_{name}.grad = {value}", "the .grad that eager leaves"))
        tensors = [f"{grad}_tensor = wrap({grad})" for grad in self.grad_buffers.values()]
        used = " ".join([code for code, _ in body] + tensors + [returned])
        head += [f"{name} = {code}" for name, code in self.globals
                 if re.search(rf"\b{name}\b", used)]  # constants folded away are left out
        head += tensors
        body.append((f"return {returned}", ""))
        width = min(max(len(code) for code, _ in body), 64) + 2
        lines = [f"    {code:<{width}}# {comment}" if comment else f"    {code}"
                 for code, comment in body]
        source = "\n".join(head + ["", "", f"def {fn_name}({params}):"] + lines) + "\n"
        guards = self.optimizer_guards.function(captured + objects)
        return source if guards is None else f"{source}\n\n{guards}"

    def updates_written(self) -> list[tuple[str, str]]:
        """The lines, with each run of updates by one optimiser (its step) written out
        as numpy calls (see compile_optim), or, if they cannot be, as calls of its
        `_step_one`."""
        body: list[tuple[str, str]] = []
        run: list[Update] = []
        for code, comment in [*self.lines, ("", "")]:
            if code == STEP_TAKEN and (not run or run[0].optimizer is comment.optimizer):
                run.append(comment)
                continue
            if run:
                body += self.run_written(run)
            run = [comment] if code == STEP_TAKEN else []
            if code and code != STEP_TAKEN:
                body.append((code, comment))
        return body

    def run_written(self, run: list[Update]) -> list[tuple[str, str]]:
        try:
            lines, buffers = written_updates(run, self.optimizer_guards, self.fresh, UFUNCS)
        except Exception as why:  # noqa: BLE001 (whatever the rule does on stand-ins)
            kind = type(run[0].optimizer).__name__
            return [(f"{u.opt}._step_one(p_{u.name}, {u.grad}, {u.opt}.param_groups[{u.k}])",
                     f"{kind}.step for {u.label}: its own update, not written out ({why})")
                    for u in run]
        self.globals += [(name, empty(like.shape, like.dtype)) for name, like in buffers]
        return lines


# ---------------------------------------------------------------------------------------
# Templates: a primitive's forward or VJP as the same numpy calls, into buffers
#
# Each template writes exactly the numpy calls the engine's function makes, in the same
# order, but with `out=` into buffers allocated once: the same numbers to the last bit,
# without allocating. A template answers False when an operand is not what it was
# written for (another dtype, a broadcast, a batch of matrices); the line then calls the
# engine's own function. Keyed by (primitive name, "forward" or the VJP's input index).
# ---------------------------------------------------------------------------------------

class Lines:
    """The lines of one templated call: its output buffer is `self.out`."""

    def __init__(self, recorder: Recorder, name: str, like: np.ndarray):
        self.recorder, self.out, self.like, self.code = recorder, name, like, []
        self.buffers: list[tuple[str, str]] = []

    def buffer(self, name: str, shape, dtype) -> str:
        self.recorder.globals.append((name, empty(shape, dtype)))
        return name

    def output(self) -> str:
        self.recorder.outputs.add(self.out)
        return self.buffer(self.out, self.like.shape, self.like.dtype)

    def number(self, value) -> str:
        """`value` as a scalar of the result's dtype (see Recorder.number)."""
        return self.recorder.number(value, self.like.dtype)

    def uniform(self, name: str, value) -> str:
        """An operand that is a constant array of one number (g, the backward seed spread
        over a batch) as that number, when the other operand has the result's shape: the
        same numbers, without reading the array."""
        if name in self.recorder.constants and isinstance(value, np.ndarray) and \
                value.size and value.dtype == self.like.dtype and (value == value.flat[0]).all():
            return self.number(value.flat[0].item())
        return name

    def temporary(self, dtype=None) -> str:
        name = self.recorder.fresh(f"{self.out}_tmp")
        return self.buffer(name, self.like.shape, dtype or self.like.dtype)

    def __call__(self, code: str) -> None:
        self.code.append(code)


def same_dtype(lines: Lines, *values, shape: bool = True) -> bool:
    """Every array operand has the result's dtype (and shape, for elementwise calls), and
    every numpy scalar its dtype: numpy then computes what the engine's call computed."""
    like = lines.like
    for v in values:
        if isinstance(v, np.ndarray):
            if v.dtype != like.dtype or shape and v.shape != like.shape:
                return False
        elif isinstance(v, np.generic):
            if v.dtype != like.dtype:
                return False
        elif v is not None and not isinstance(v, (int, float)):
            return False
    return True


TEMPLATES: dict[tuple[str, object], Callable[..., bool]] = {}
# The numpy functions the templates call, imported by name, each given its output buffer
# as its last argument (numpy's `out`) by position: both are parsed faster than np.exp
# and out=, which matters on small arrays, where a call costs more than its arithmetic.
# (minimum and maximum take out= by name: numpy deprecates a third positional there.)
UFUNCS = ("absolute", "add", "divide", "exp", "greater", "logaddexp", "matmul", "maximum",
          "minimum", "multiply", "negative", "sqrt", "subtract")


def template(name: str, *roles):
    def register(write: Callable[..., bool]) -> Callable[..., bool]:
        for role in roles:
            TEMPLATES[(name, role)] = write
        return write
    return register


def stable_sigmoid(out: Lines, x: str, into: str) -> None:
    """ops._stable_sigmoid: exp(min(x, 0)) / (1 + exp(-|x|)), seven calls."""
    t, zero, one = out.temporary(), out.number(0), out.number(1)
    out(f"minimum({x}, {zero}, out={t})")
    out(f"exp({t}, {t})")
    out(f"absolute({x}, {into})")
    out(f"negative({into}, {into})")
    out(f"exp({into}, {into})")
    out(f"add({one}, {into}, {into})")
    out(f"divide({t}, {into}, {into})")


def elementwise(ufunc: str) -> Callable[..., bool]:
    def write(out: Lines, x, y, values) -> bool:
        if not same_dtype(out, *values[:2]):
            return False
        out(f"{ufunc}({x}, {y}, {out.output()})")
        return True
    return write


for _name, _ufunc in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                      ("div", "divide")):
    TEMPLATES[(_name, "forward")] = elementwise(_ufunc)


@template("add", 0, 1)
@template("sub", 0)
def passes_g(out: Lines, g, result, *inputs, values) -> bool:
    out(f"{out.out} = {g}")  # the VJP returns g itself
    return True


@template("sub", 1)
def negated_g(out: Lines, g, *rest, values) -> bool:
    if not same_dtype(out, values[0]):
        return False
    out(f"negative({g}, {out.output()})")
    return True


def g_with(ufunc: str, k: int) -> Callable[..., bool]:
    """A VJP that is one call of g with input k: g * y, g * x, g / y."""
    def write(out: Lines, g, result, *inputs, values) -> bool:
        if not same_dtype(out, values[0], values[2 + k]):
            return False
        out(f"{ufunc}({g}, {inputs[k]}, {out.output()})")
        return True
    return write


TEMPLATES[("mul", 0)] = g_with("multiply", 1)  # g * y
TEMPLATES[("mul", 1)] = g_with("multiply", 0)  # g * x
TEMPLATES[("div", 0)] = g_with("divide", 1)    # g / y


@template("sigmoid", "forward")
def sigmoid_forward(out: Lines, x, values) -> bool:
    if not same_dtype(out, values[0]):
        return False
    stable_sigmoid(out, x, out.output())
    return True


@template("sigmoid", 0)
def sigmoid_vjp(out: Lines, g, result, x, values) -> bool:
    if not same_dtype(out, values[0], values[1]):
        return False
    t, into = out.temporary(), out.output()
    out(f"multiply({g}, {result}, {t})")       # g * out * (1 - out)
    out(f"subtract({out.number(1)}, {result}, {into})")
    out(f"multiply({t}, {into}, {into})")
    return True


@template("relu", "forward")
def relu_forward(out: Lines, x, values) -> bool:
    if not same_dtype(out, values[0]):
        return False
    out(f"maximum({x}, {out.number(0)}, out={out.output()})")
    return True


@template("relu", 0)
def relu_vjp(out: Lines, g, result, x, values) -> bool:
    if not same_dtype(out, values[0], values[2]):
        return False
    mask = out.temporary(bool)
    out(f"greater({x}, {out.number(0)}, {mask})")  # g * (x > 0)
    out(f"multiply({g}, {mask}, {out.output()})")
    return True


@template("binary_cross_entropy_with_logits", "forward")
def bce_with_logits_forward(out: Lines, z, y, values) -> bool:
    if not same_dtype(out, *values):
        return False
    t, into = out.temporary(), out.output()
    out(f"logaddexp({out.number(0)}, {z}, {t})")  # log(1 + exp(z)) - y z
    out(f"multiply({y}, {z}, {into})")
    out(f"subtract({t}, {into}, {into})")
    return True


@template("binary_cross_entropy_with_logits", 0)
def bce_with_logits_vjp(out: Lines, g, result, z, y, values) -> bool:
    if not same_dtype(out, values[0], values[2], values[3]):
        return False
    into = out.output()
    stable_sigmoid(out, z, into)                       # g * (sigmoid(z) - y)
    out(f"subtract({into}, {y}, {into})")
    out(f"multiply({out.uniform(g, values[0])}, {into}, {into})")
    return True


@template("sum", "forward")
def sum_forward(out: Lines, x, values, axis, keepdims) -> bool:
    if not same_dtype(out, values[0], shape=False):
        return False
    # (axis, dtype, out, keepdims) by position: numpy parses them faster than keywords
    out(f"add.reduce({x}, {axis}, None, {out.output()}, {keepdims})")
    return True


@template("sum", 0)
def sum_vjp(out: Lines, g, result, x, values, axis, keepdims) -> bool:
    # g spread over the summed axes: a broadcast copy (numpy's view gives the same numbers)
    if not (keepdims or len(axis) == values[2].ndim) or not same_dtype(
            out, values[0], shape=False):
        return False
    out(f"{out.output()}[...] = {g}")
    return True


@template("linear", "forward")
def linear_forward(out: Lines, x, w, b, values) -> bool:
    if values[0].ndim != 2 or not same_dtype(out, *values, shape=False):
        return False
    into = out.output()
    out(f"matmul({x}, {w}.T, {into})")           # x @ W.T, then += b
    if b != "None":
        out(f"add({into}, {b}, {into})")
    return True


@template("linear", 0)
def linear_vjp_x(out: Lines, g, result, x, w, b, values) -> bool:
    if values[0].ndim != 2 or not same_dtype(out, values[0], values[3], shape=False):
        return False
    out(f"matmul({g}, {w}, {out.output()})")     # g @ W
    return True


@template("linear", 1)
def linear_vjp_w(out: Lines, g, result, x, w, b, values) -> bool:
    if values[0].ndim != 2 or not same_dtype(out, values[0], values[2], shape=False):
        return False
    out(f"matmul({g}.T, {x}, {out.output()})")   # g.T @ x
    return True


@template("linear", 2)
def linear_vjp_b(out: Lines, g, result, x, w, b, values) -> bool:
    if values[0].ndim != 2 or not same_dtype(out, values[0], shape=False):
        return False
    out(f"add.reduce({g}, 0, None, {out.output()})")  # g summed over the batch
    return True


@template("matmul", "forward")
def matmul_forward(out: Lines, x, y, values) -> bool:
    if not same_dtype(out, *values, shape=False):
        return False
    out(f"matmul({x}, {y}, {out.output()})")
    return True


@template("matmul", 1)
def matmul_vjp_y(out: Lines, g, result, x, y, values) -> bool:
    # X @ beta (a matrix times a vector): the gradient for beta is X.T @ g
    if not (values[2].ndim == 2 and values[3].ndim == 1) or not same_dtype(
            out, values[0], values[2], shape=False):
        return False
    out(f"matmul({x}.T, {g}, {out.output()})")
    return True


STEP_TAKEN = "steps_taken"  # marks an optimiser's update (see Recorder.updates_written)


def primitive_source(op: Primitive) -> str:
    name = OPS_NAMES.get(id(op))
    if name is not None:
        return f"ops.{name}"
    if op.name == "cat":
        return f"ops.cat({len(op.vjps)})"
    raise Untraceable(f"`{op.name}` is not a primitive of ops.py (a custom Function)")


def names_in(fn: Callable, depth: int = 3) -> dict[int, str]:
    """Readable names for the tensors, optimisers and modules `fn` can reach through its
    closure and the globals it names, and through the functions among those (a loss
    function the step calls): a module's parameter names (`hidden.weight`), a variable's
    name (`beta`, `model`), `net.weights[0]` for tensors in a list held by an object."""
    names: dict[int, str] = {}
    for var, obj, _, _ in reachable(fn, depth):
        if isinstance(obj, Module):
            names.setdefault(id(obj), var)
            for name, t in [*obj.named_parameters(), *obj.named_buffers()]:
                names.setdefault(id(t), name)
        elif isinstance(obj, (Tensor, Optimizer)):
            names.setdefault(id(obj), var)
        elif isinstance(obj, (list, tuple)):
            for i, t in enumerate(obj):
                if isinstance(t, Tensor):
                    names.setdefault(id(t), f"{var}[{i}]")
        elif hasattr(obj, "__dict__") and not callable(obj):
            for attr, value in vars(obj).items():
                if isinstance(value, (list, tuple, Tensor)):
                    names.update((k, v) for k, v in names_of_value(f"{var}.{attr}", value)
                                 if k not in names)
    return names


def names_of_value(var: str, value) -> list[tuple[int, str]]:
    if isinstance(value, Tensor):
        return [(id(value), var)]
    return [(id(t), f"{var}[{i}]") for i, t in enumerate(value) if isinstance(t, Tensor)]


def reachable(fn: Callable, depth: int = 3) -> list[tuple[str, object, object, str]]:
    """(name, object, holder, key) for what `fn` closes over (holder: the cell, key "")
    and the globals it names (holder: its globals, key: the name), and so on for the
    functions among them, `depth` levels down."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return []
    found = []
    for var, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            found.append((var, cell.cell_contents, cell, ""))
        except ValueError:  # an empty cell
            continue
    globals_ = getattr(fn, "__globals__", {})
    found += [(n, globals_[n], globals_, n) for n in code.co_names if n in globals_]
    if depth > 1:
        found += [item for _, obj, _, _ in list(found) if inspect.isfunction(obj)
                  for item in reachable(obj, depth - 1)]
    return found


def bindings(fn: Callable) -> tuple[tuple[object, str, object], ...]:
    """What a replay is bound to: (holder, key, object) for each module, optimiser,
    tensor and function that `fn` reaches by a name. Rebinding one of those names (a new
    model in the same variable) must trace again: the replay holds the old objects."""
    kinds = (Module, Optimizer, Tensor)
    return tuple((holder, key, obj) for _, obj, holder, key in reachable(fn)
                 if isinstance(obj, kinds) or inspect.isfunction(obj))


def still_bound(holder, key: str, obj) -> bool:
    return (holder.get(key) if key else holder.cell_contents) is obj


# ---------------------------------------------------------------------------------------
# The compiled function
# ---------------------------------------------------------------------------------------

MISS = object()  # what a replay's entry returns for arguments it was not traced for
TRACING = threading.Lock()  # held while a trace records (see Compiled.trace)


class Replay:
    """One traced signature: the generated function and what it needs at each call.

    `entry(*args)` is generated too: it checks the signature and the `.grad` guards with
    plain comparisons and runs the function, or returns MISS. A compiled step's
    overhead per call is that check, about a microsecond."""

    def __init__(self, recorder: Recorder, source: str, fn_name: str, seconds: float,
                 key: tuple):
        namespace: dict = {}
        exec(builtins.compile(source, f"<tg.compile {fn_name}>", "exec"), namespace)
        extra = [t for _, t in recorder.tensors.values()]
        extra += [o for _, o in recorder.objects.values()]
        self.function, self.extra = namespace[fn_name], tuple(extra)
        self.guards = tuple(recorder.grad_guards.values())
        self.modes = tuple(recorder.modes.values())
        self.bound = recorder.bound
        self.ready = namespace.get(GUARD_FUNCTION)  # the optimisers' settings and state
        self.source, self.seconds = source, seconds
        self.entry = entry_function(key, self.guards, self.bound, self.function, self.extra,
                                    self.ready, self.modes)

    def matches(self) -> bool:
        return all((t.grad is None) == none for t, none in self.guards) and \
            all(still_bound(*binding) for binding in self.bound) and \
            all(module.training is mode for module, mode in self.modes) and \
            (self.ready is None or bool(self.ready(*self.extra)))

    def __call__(self, arrays):
        return self.function(*arrays, *self.extra)


def entry_function(key: tuple, guards: tuple, bound: tuple, function: Callable,
                   extra: tuple, ready: Callable | None = None,
                   modes: tuple = ()) -> Callable:
    """`entry(*args)`: the replay if the arguments fit `key` (see `signature`), the
    guards hold, the names the step reads still name the same objects, the modules are
    in the modes they were traced in (train or eval), and the optimisers' settings and
    state are those their lines were written for (`ready`), else MISS.
    Dtypes are compared by identity (numpy's builtin dtypes are single objects); any
    other dtype object only misses, and takes the slow path."""
    namespace: dict = {"state": thread_state, "Tensor": Tensor, "ndarray": np.ndarray,
                       "MISS": MISS, "function": function, "extra": extra}
    enabled, parts = key[0], key[1:]
    params = [f"a{i}" for i in range(len(parts))]
    checks, arrays = [f"state.enabled is {enabled}"], []
    for i, part in enumerate(parts):
        a, kind = params[i], part[0]
        namespace[f"kind{i}"], namespace[f"value{i}"] = part[0], part[-1]
        if kind is Tensor:
            namespace[f"dtype{i}"] = part[2]
            checks.append(f"isinstance({a}, Tensor) and {a}.array.shape == {part[1]!r} and "
                          f"{a}.array.dtype is dtype{i} and {a}.requires_grad is {part[3]}")
            arrays.append(f"{a}.array")
        elif kind is np.ndarray:
            namespace[f"dtype{i}"] = part[2]
            checks.append(f"type({a}) is ndarray and {a}.shape == {part[1]!r} and "
                          f"{a}.dtype is dtype{i}")
            arrays.append(a)
        else:
            checks.append(f"type({a}) is kind{i} and {a} == value{i}")
            arrays.append(a)
    traced = [x for x, part in zip(arrays, parts) if part[0] in (Tensor, np.ndarray)]
    if len({part[-1] for part in parts if part[0] in (Tensor, np.ndarray)}) < len(traced):
        checks.append("False")  # arguments that shared an array: the slow path decides
    checks += [f"{x} is not {y}" for k, x in enumerate(traced) for y in traced[k + 1:]]
    for k, (_, none) in enumerate(guards):
        namespace[f"guarded{k}"] = guards[k][0]
        checks.append(f"guarded{k}.grad is {'' if none else 'not '}None")
    for k, (holder, name, obj) in enumerate(bound):
        namespace[f"holder{k}"], namespace[f"bound{k}"] = holder, obj
        checks.append(f"holder{k}.get({name!r}) is bound{k}" if name else
                      f"holder{k}.cell_contents is bound{k}")
    for k, (module, mode) in enumerate(modes):
        namespace[f"module{k}"], namespace[f"mode{k}"] = module, mode
        checks.append(f"module{k}.training is mode{k}")
    if ready is not None:
        namespace["ready"] = ready
        checks.append("ready(*extra)")
    source = (f"def entry({', '.join(params)}):\n"
              f"    if {' and '.join(checks)}:\n"
              f"        return function({', '.join(arrays + ['*extra'])})\n"
              f"    return MISS\n")
    exec(builtins.compile(source, "<tg.compile entry>", "exec"), namespace)
    return namespace["entry"]


class Compiled:
    """`step` compiled (see the module's docstring); call it as `step`."""

    def __init__(self, fn: Callable, fullgraph: bool = False):
        functools.update_wrapper(self, fn, updated=())  # fn's name and docstring, not its
        self.fn, self.fullgraph = fn, fullgraph         # attributes (a module's would clash)
        self.name = getattr(fn, "__name__", type(fn).__name__)  # a module has no __name__
        self.cache: dict[tuple, list[Replay]] = {}
        self.eager_because: str | None = None
        self.last: Replay | None = None

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

    def __call__(self, *args, **kwargs):
        if kwargs:  # a replay takes its arguments by position
            return self.run_eagerly("keyword arguments", args, kwargs)
        replay = self.last
        if replay is not None and primitive.recorder is None and self.eager_because is None:
            result = replay.entry(*args)  # the common case: the same signature again
            if result is not MISS:
                return result
        return self.lookup(args)

    def lookup(self, args: tuple):
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

    def run_eagerly(self, reason: str, args, kwargs=None):
        self.give_up(reason)
        return self.fn(*args, **kwargs or {})

    def give_up(self, reason: str) -> None:
        """Run eagerly from now on, with one warning that says why; with fullgraph=True
        (PyTorch's: no graph breaks), raise instead."""
        if self.fullgraph:
            raise RuntimeError(f"tg.compile(fullgraph=True): {self.name} cannot be replayed: "
                               f"{reason}")
        self.eager_because = reason
        warnings.warn(f"tg.compile: {self.name} runs eagerly from now on: {reason}",
                      RuntimeWarning, stacklevel=4)

    def trace(self, key: tuple, args):
        # `primitive.recorder` is one slot for the whole process (a per-thread slot would
        # cost every eager op a thread-local read): one trace at a time. Another thread's
        # call meanwhile runs eagerly, and its engine calls are ignored by the recorder.
        if not TRACING.acquire(blocking=False):
            return self.fn(*args)
        start = time.perf_counter()
        try:
            recorder = Recorder(self.fn, args, names_in(self.fn))
            primitive.recorder = recorder
            returned = self.fn(*args)
        finally:
            primitive.recorder = None
            TRACING.release()
        if recorder.failure is None and recorder.expected_bumps:
            recorder.fail("an in-place change without its version bump")
        if recorder.failure is None:
            try:
                name = python_name(getattr(self.fn, "__name__", "step"))
                name = "step" if name == "lambda_" else name
                source = recorder.source(name, returned)
                replay = Replay(recorder, source, name, time.perf_counter() - start, key)
            except Untraceable as why:
                recorder.fail(str(why))
        if recorder.failure is not None:
            self.give_up(recorder.failure)
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


MODES = (None, "default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def compile(model: Callable | None = None, *, fullgraph: bool = False,  # noqa: A001
            dynamic: bool | None = None, backend="inductor", mode: str | None = None,
            options: dict | None = None, disable: bool = False):
    """Compile a training step: `step = tg.compile(step)` or `@tg.compile`.

    PyTorch's name and arguments. `fullgraph=True` raises a RuntimeError where the step
    would run eagerly (after the traced call, which has run); `disable=True` gives `model`
    back as it is. `dynamic`, `backend`, `mode` and `options` choose among PyTorch's
    compilers and are accepted with nothing to choose: there is one way here, the numpy
    replay (a new shape traces again, as `dynamic=False` does).

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
    if mode not in MODES:
        raise ValueError(f"compile: mode must be one of {', '.join(map(str, MODES[1:]))}, "
                         f"got {mode!r}")
    if model is None:
        return functools.partial(compile, fullgraph=fullgraph, dynamic=dynamic,
                                 backend=backend, mode=mode, options=options, disable=disable)
    return model if disable else Compiled(model, fullgraph)
