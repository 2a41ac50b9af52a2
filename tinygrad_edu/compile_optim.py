"""tg.compile's optimiser lines: each optimiser's update written out as numpy calls.

The traced call runs `optimizer.step()` for real, and the recorder notes each parameter's
update (an `Update`). When the code is written, each update is run once more, by the
optimiser's own `_update(theta, g, state, group)`, on stand-ins that write down what is
done to them instead of doing it:

- `Array` stands for theta, g and the state's arrays: a numpy call on one becomes a line,
  `multiply(m, beta1, m)`, whose result goes into a buffer allocated once;
- `Number` stands for a setting of the group or a number of the state (the step count):
  Python arithmetic on it becomes the same expression, `1 - beta1 ** t`, evaluated at
  each call as eager evaluates it, from the values the group and the state hold then.

No update rule is restated here: the lines are the algorithm's own numpy calls, in its
order, with its operands, so the numbers are eager's to the last bit; each line's comment
is the line of the algorithm (optim/algorithms.py) it came from.

What the lines assume becomes a guard, checked before each call (a failed guard traces
again): the outcome of each `if` on a setting (`momentum != 0`, `amsgrad`), the entries the
state was asked for (`"momentum_buffer" in state`), and the type of each number that
reaches numpy (a Python int or float is cast to the array's dtype; a numpy float64 would
promote it). The stand-ins run after the traced call's own step, on the state it left, so
the lines describe the next calls: SGD's first step copies g into a new momentum buffer,
the later ones update that buffer in place. What cannot be written so (an `if` on the step
count, a rule that makes new state at every step) raises CannotWrite, and that optimiser's
lines call its own `_step_one` instead.
"""

from __future__ import annotations

import itertools
import linecache
import math
import numbers
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from . import primitive
from .optim import Optimizer
from .tensor import Tensor

GUARD_FUNCTION = "optimizers_as_traced"  # the generated check, called by the entry
WEAK = "(int, float)"  # Python numbers: numpy casts them to the array's dtype


class CannotWrite(Exception):
    """Why an update is not written out as numpy calls."""


@dataclass
class Update:
    """One parameter's update in the traced call, with the names the code gives it."""
    optimizer: Optimizer
    opt: str        # the optimiser's name in the code
    k: int          # the index of the parameter's group
    param: Tensor
    name: str       # the parameter's array in the code (theta); p_{name} is the Tensor
    grad: str       # the gradient's array in the code (g)
    grad_dtype: np.dtype
    label: str      # the parameter's readable name


def steps_taken(optimizer: Optimizer, params: tuple[Tensor, ...]) -> None:
    """The bookkeeping of Optimizer._step_one for updates written out: each parameter's
    step count (before the updates, which may read it: Adam's bias correction), and its
    new version (one moment on the engine's clock for all of them: they change together).
    Everything is looked up anew, since load_state_dict replaces the state."""
    clock = primitive.clock
    clock.last_change = now = next(clock.ticks)
    state = optimizer.state
    for p in params:
        counts = state.get(p)
        if counts is None:
            counts = state[p] = {}
        counts["step"] = counts.get("step", 0) + 1
        counter = p.version_counter or primitive.shared_counter(p)
        counter.value += 1
        counter.changes.append(now)


# ---------------------------------------------------------------------------------------
# Numbers: Python arithmetic written down as an expression
# ---------------------------------------------------------------------------------------

ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul,
              "/": operator.truediv, "//": operator.floordiv, "%": operator.mod,
              "**": operator.pow}
COMPARISONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
               ">": operator.gt, ">=": operator.ge}
# Python's binding strengths, to put parentheses exactly where the expression has them
PRECEDENCE = {"**": 8, "neg": 7, "*": 6, "/": 6, "//": 6, "%": 6, "+": 5, "-": 5,
              **dict.fromkeys(COMPARISONS, 3)}
ATOM = 10


def quoted(key: str) -> str:
    """A key as the algorithms write it: `"lr"`."""
    return f'"{key}"' if key.isidentifier() else repr(key)


def value_of(x):
    return x.value if isinstance(x, Number) else x


def arithmetic(symbol: str, reflected: bool = False):
    def method(self, other):
        if not isinstance(other, (Number, numbers.Number)):
            return NotImplemented  # an Array: numpy's call, written down by the Array
        left, right = (other, self) if reflected else (self, other)
        value = ARITHMETIC[symbol](value_of(left), value_of(right))
        return Number(self.writer, value, symbol, (left, right))
    return method


def comparison(symbol: str):
    def method(self, other):
        if not isinstance(other, (Number, numbers.Number)):
            return NotImplemented
        value = COMPARISONS[symbol](self.value, value_of(other))
        return bool(Number(self.writer, value, symbol, (self, other)))  # a branch: guarded
    return method


@dataclass
class Leaf:
    """A number read from the group or the state: where from, and the line that read it."""
    scope: str   # "group" or "state"
    path: str    # `["betas"][0]`
    base: str    # a name for it in the code
    line: str    # the algorithm's line that read it


class Number:
    """A number of the update: read from the group or the state (`leaf`), or computed from
    such numbers (`symbol` applied to `args`); `value` is its value in this run."""

    __slots__ = ("writer", "value", "symbol", "args", "leaf")

    def __init__(self, writer: Writer, value, symbol: str | None = None, args: tuple = (),
                 leaf: Leaf | None = None):
        self.writer, self.value, self.symbol, self.args, self.leaf = (
            writer, value, symbol, args, leaf)

    def __array_ufunc__(self, *args, **kwargs):
        return NotImplemented  # a numpy call beside an Array: the Array writes it down

    def __bool__(self) -> bool:
        self.writer.branch(self, bool(self.value))
        return bool(self.value)

    def __neg__(self):
        return Number(self.writer, -self.value, "neg", (self,))

    def leaves(self):
        if self.leaf is not None:
            yield self
        for x in self.args:
            if isinstance(x, Number):
                yield from x.leaves()

    __add__, __radd__ = arithmetic("+"), arithmetic("+", reflected=True)
    __sub__, __rsub__ = arithmetic("-"), arithmetic("-", reflected=True)
    __mul__, __rmul__ = arithmetic("*"), arithmetic("*", reflected=True)
    __truediv__, __rtruediv__ = arithmetic("/"), arithmetic("/", reflected=True)
    __floordiv__, __rfloordiv__ = arithmetic("//"), arithmetic("//", reflected=True)
    __mod__, __rmod__ = arithmetic("%"), arithmetic("%", reflected=True)
    __pow__, __rpow__ = arithmetic("**"), arithmetic("**", reflected=True)
    __eq__, __ne__ = comparison("=="), comparison("!=")
    __lt__, __le__ = comparison("<"), comparison("<=")
    __gt__, __ge__ = comparison(">"), comparison(">=")
    __hash__ = None


def expression(x, leaf_source: Callable[[Number], str]) -> tuple[str, int]:
    """Python source that computes `x` as the update computed it (the same operations on
    the same operands in the same order: the same double), and its binding strength."""
    if isinstance(x, Number) and x.leaf is not None:
        return leaf_source(x), ATOM
    if isinstance(x, Number) and x.symbol == "neg":
        inner, strength = expression(x.args[0], leaf_source)
        return "-" + (f"({inner})" if strength < PRECEDENCE["neg"] else inner), \
            PRECEDENCE["neg"]
    if isinstance(x, Number):
        strength = PRECEDENCE[x.symbol]
        (left, left_strength), (right, right_strength) = (
            expression(a, leaf_source) for a in x.args)
        if x.symbol == "**":  # binds to the right: (a ** b) ** c needs its parentheses
            left_paren, right_paren = left_strength <= strength, right_strength < strength
        else:  # to the left: a - (b - c) needs them, and a + (b + c) keeps its order
            left_paren, right_paren = left_strength < strength, right_strength <= strength
        left = f"({left})" if left_paren else left
        right = f"({right})" if right_paren else right
        return f"{left} {x.symbol} {right}", strength
    if isinstance(x, bool) or type(x) is int:
        return repr(x), ATOM if x >= 0 else PRECEDENCE["neg"]
    if type(x) is float:
        text = repr(x) if math.isfinite(x) else f"float({str(x)!r})"
        return text, ATOM if not text.startswith("-") else PRECEDENCE["neg"]
    raise CannotWrite(f"a constant of type {type(x).__name__} in the update")


# ---------------------------------------------------------------------------------------
# Arrays: numpy calls written down as lines
# ---------------------------------------------------------------------------------------

class Array(NDArrayOperatorsMixin):
    """An array of the update: theta, g, a state array, or one the update makes (a
    temporary, given a buffer when the lines are written). `value` is an array of its
    shape and dtype that the update's numpy calls really run on, so numpy itself says
    what dtype each result has."""

    __slots__ = ("writer", "value", "name", "entry", "temporary")

    def __init__(self, writer: Writer, value: np.ndarray, name: str | None = None,
                 entry: str | None = None):
        self.writer, self.value, self.name, self.entry = writer, value, name, entry
        self.temporary = name is None and entry is None  # made by the update: a buffer

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        return self.writer.call(ufunc, method, inputs, out, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func in (np.zeros_like, np.full_like, np.ones_like, np.empty_like):
            return NOT_MADE  # state.setdefault's default, made only if the entry is new
        raise CannotWrite(f"np.{func.__name__} on an array")

    def __bool__(self):
        raise CannotWrite("an `if` on an array's numbers")


NOT_MADE = object()  # a default array the update does not use (the state has the entry)


@dataclass
class Call:
    """One numpy call: the ufunc's name, its operands, the array it writes, whether that
    array is new (needs a buffer), and the algorithm's line it came from."""
    ufunc: str
    operands: tuple
    out: Array
    new: bool
    line: str


class GroupView:
    """The parameter group as `_update` reads it: each setting becomes a Number."""

    def __init__(self, writer: Writer, group: dict):
        self.writer, self.group = writer, group

    def __getitem__(self, key: str):
        value = self.group[key]
        if isinstance(value, (tuple, list)):  # Adam's betas
            return tuple(self.writer.leaf("group", f"[{quoted(key)}][{i}]", v, f"{key}_{i}")
                         for i, v in enumerate(value))
        return self.writer.leaf("group", f"[{quoted(key)}]", value, key)

    def get(self, key: str, default=None):
        return self[key] if key in self.group else default


class StateView:
    """optimizer.state[p] as `_update` reads it: arrays become Arrays, numbers Numbers,
    each entry read from the state at every call; every question about which entries it
    holds becomes a guard."""

    def __init__(self, writer: Writer, state: dict):
        self.writer, self.state, self.entries = writer, state, {}

    def __contains__(self, key: str) -> bool:
        held = key in self.state
        (self.writer.held if held else self.writer.absent).add(key)
        return held

    def __getitem__(self, key: str):
        if key not in self:
            raise CannotWrite(f"the update reads state[{key!r}], which it does not hold")
        if key not in self.entries:
            value = self.state[key]
            self.entries[key] = (
                self.writer.state_array(key, value) if isinstance(value, np.ndarray)
                else self.writer.leaf("state", f"[{quoted(key)}]", value, key))
        return self.entries[key]

    def setdefault(self, key: str, default=None):
        if key not in self:
            raise CannotWrite(f"the update makes a new state[{key!r}] at every step")
        return self[key]

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def __setitem__(self, key: str, value):
        raise CannotWrite(f"the update puts a new state[{key!r}] at every step")


def algorithm_frame():
    """The frame of the optimiser's code that is running (not numpy's operator mixin's,
    nor this module's)."""
    frame = sys._getframe(1)
    while frame.f_globals.get("__name__", "").split(".")[0] == "numpy" or \
            frame.f_globals is globals():
        frame = frame.f_back
    return frame


def local_name(frame, obj) -> str | None:
    """The name the algorithm gives `obj` (`m`, `beta1`), if it has one yet."""
    return next((name for name, value in frame.f_locals.items()
                 if value is obj and name != "self"), None)


class Writer:
    """One parameter's update, written down while `_update` runs on stand-ins."""

    def __init__(self, run: Run, update: Update):
        self.run, self.update = run, update
        self.kind = type(update.optimizer).__name__
        p = update.param
        self.theta = Array(self, p.array.copy(), update.name)
        self.grad = Array(self, np.ones(p.shape, update.grad_dtype), update.grad)
        self.calls: list[Call] = []
        self.reads: list[tuple[object, str]] = []  # state entries read: (stand-in, line)
        self.names: dict[int, str] = {}            # id(stand-in) -> its local in the code
        self.held: set[str] = set()                # state entries asked for and held
        self.absent: set[str] = set()              # ... and not held

    def write(self) -> None:
        optimizer, p = self.update.optimizer, self.update.param
        state = StateView(self, optimizer.state.get(p, {}))
        group = GroupView(self, optimizer.param_groups[self.update.k])
        with np.errstate(all="ignore"):  # the stand-ins' numbers mean nothing
            optimizer._update(self.theta, self.grad, state, group)

    def line(self, frame=None) -> str:
        frame = frame or algorithm_frame()
        return linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()

    # -- what the update reads ----------------------------------------------------------
    def leaf(self, scope: str, path: str, value, base: str) -> Number:
        if not isinstance(value, numbers.Number):
            raise CannotWrite(f"the update reads {scope}{path}, a {type(value).__name__}")
        return Number(self, value, leaf=Leaf(scope, path, base, self.line()))

    def state_array(self, key: str, value: np.ndarray) -> Array:
        array = Array(self, value.copy(), entry=f"[{quoted(key)}]")
        self.reads.append((array, self.line()))
        return array

    def branch(self, condition: Number, taken: bool) -> None:
        """An `if` on a setting: the lines hold while it goes the same way."""
        if any(x.leaf.scope == "state" for x in condition.leaves()):
            raise CannotWrite("an `if` on a number of the state (the step count)")
        if not taken and condition.symbol in ("==", "!="):  # the exact negation
            flipped = "!=" if condition.symbol == "==" else "=="
            condition = Number(self, True, flipped, condition.args)
            taken = True
        text, _ = expression(condition, self.run.guard_source)
        if not taken:
            text = f"not ({text})" if condition.symbol else f"not {text}"
        self.run.guard(self, "group", text)

    # -- the numpy calls ------------------------------------------------------------------
    def call(self, ufunc, method: str, inputs: tuple, out, kwargs: dict):
        if method != "__call__" or kwargs or ufunc.nout != 1 or ufunc.signature:
            # elementwise calls only: a buffer may then be written over by the call that
            # reads it last (see `allocate`)
            raise CannotWrite(f"np.{ufunc.__name__}.{method} with {sorted(kwargs)}")
        for x in inputs:
            if not isinstance(x, (Array, Number)) and type(x) not in (bool, int, float):
                raise CannotWrite(f"np.{ufunc.__name__} of a {type(x).__name__}")
        frame = algorithm_frame()
        line = self.line(frame)
        for x in inputs:
            self.name_in_code(x, frame)
        values = [value_of(x.value if isinstance(x, Array) else x) for x in inputs]
        if out is not None:
            (target,) = out
            if not isinstance(target, Array):
                raise CannotWrite(f"np.{ufunc.__name__} into a {type(target).__name__}")
            self.name_in_code(target, frame)
            ufunc(*values, out=target.value)
            result, new = target, False
        else:
            result, new = Array(self, np.asarray(ufunc(*values))), True
        self.calls.append(Call(ufunc.__name__, inputs, result, new, line))
        return result

    def name_in_code(self, x, frame) -> None:
        """Give a state entry or a number the name the algorithm uses for it (`m`,
        `beta1`), or its key's; its numbers' types become guards (see `Run.guard_type`)."""
        if isinstance(x, Array) and x.entry is not None and id(x) not in self.names:
            self.names[id(x)] = self.run.local(self, local_name(frame, x) or
                                               x.entry[2:-2])
        elif isinstance(x, Number):
            for leaf in x.leaves():
                self.run.guard_type(self, leaf)
                if leaf.leaf.scope == "state" and id(leaf) not in self.names:
                    self.names[id(leaf)] = self.run.local(
                        self, local_name(frame, leaf) or leaf.leaf.base)
                    self.reads.append((leaf, leaf.leaf.line))
                elif leaf.leaf.scope == "group":
                    self.run.setting(self, leaf, local_name(frame, leaf))

    # -- the lines ------------------------------------------------------------------------
    def source(self, x) -> str:
        if isinstance(x, Array):
            return self.names.get(id(x), x.name)
        return expression(x, self.run.body_source(self))[0]

    def lines(self) -> list[tuple[str, str]]:
        """The parameter's lines: its state's entries read, then the numpy calls."""
        self.allocate()
        u, lines = self.update, []
        reads = [(x, line) for x, line in self.reads if id(x) in self.names]
        if reads:
            state = self.run.local(self, "state")
            lines.append((f"{state} = {u.opt}.state[p_{u.name}]",
                          f"{self.kind}.step for {u.label}: its state, read at every call"))
            for x, line in reads:
                path = x.leaf.path if isinstance(x, Number) else x.entry
                lines.append((f"{self.names[id(x)]} = {state}{path}",
                              f"{self.kind}.step: {line}"))
        previous = None
        for call in self.calls:
            operands = [self.source(x) for x in call.operands]
            fn = call.ufunc if call.ufunc in self.run.imported else f"np.{call.ufunc}"
            out = self.source(call.out)
            code = (f"{fn}({', '.join(operands)}, out={out})"
                    if call.ufunc in ("maximum", "minimum")  # numpy deprecates a 3rd positional
                    else f"{fn}({', '.join([*operands, out])})")
            comment = "..." if call.line == previous else f"{self.kind}.step: {call.line}"
            lines.append((code, comment))
            previous = call.line
        return lines

    def allocate(self) -> None:
        """A buffer for each array the update makes, reused once that array is read no
        more (a parameter-sized temporary per call would make malloc map fresh pages)."""
        last: dict[int, int] = {}
        for i, call in enumerate(self.calls):
            for x in (*call.operands, call.out):
                if isinstance(x, Array):
                    last[id(x)] = i
        free: dict[tuple, list[str]] = {}

        def release(x: Array) -> None:
            free.setdefault((x.value.shape, x.value.dtype), []).append(x.name)

        for i, call in enumerate(self.calls):
            dying = {id(x): x for x in call.operands
                     if isinstance(x, Array) and x.temporary and last[id(x)] == i}
            for x in dying.values():  # the call may write over it: elementwise, in place
                release(x)
            if call.new:
                spare = free.get((call.out.value.shape, call.out.value.dtype))
                call.out.name = spare.pop() if spare else self.run.buffer(
                    f"{self.update.name}_tmp", call.out.value)
                if last[id(call.out)] == i:  # made and never read
                    release(call.out)


class Run:
    """The updates of one optimiser's step, in a row: their lines share the settings'
    locals (read once per call, as every update of the step reads the same values)."""

    def __init__(self, updates: list[Update], guards: Guards,
                 fresh: Callable[[str], str], imported: tuple[str, ...]):
        self.updates, self.guards, self.fresh, self.imported = (
            updates, guards, fresh, imported)
        self.settings: dict[str, tuple[str, str]] = {}  # group source -> (local, path)
        self.locals: dict[tuple, str] = {}              # (base, k) -> a local of the run
        self.buffers: list[tuple[str, np.ndarray]] = []
        self.checks: dict[tuple, list[str]] = {}  # see Guards
        self.writers = [Writer(self, u) for u in updates]

    def local(self, writer: Writer, base: str) -> str:
        """A local for the update's entry `base` (the same for every update of the run:
        each one's lines set it anew; another entry of the same update named alike
        gets another)."""
        taken = set(writer.names.values())
        for k in itertools.count():
            if (base, k) not in self.locals:
                self.locals[(base, k)] = self.fresh(base)
            if self.locals[(base, k)] not in taken:
                return self.locals[(base, k)]

    def setting(self, writer: Writer, leaf: Number, name: str | None) -> None:
        source = self.setting_source(writer, leaf)
        if source not in self.settings:
            self.settings[source] = (self.fresh(name or leaf.leaf.base), leaf.leaf.path)

    def setting_source(self, writer: Writer, leaf: Number) -> str:
        return f"{writer.update.opt}.param_groups[{writer.update.k}]{leaf.leaf.path}"

    def buffer(self, base: str, like: np.ndarray) -> str:
        name = self.fresh(base)
        self.buffers.append((name, like))
        return name

    def body_source(self, writer: Writer) -> Callable[[Number], str]:
        def source(leaf: Number) -> str:
            if leaf.leaf.scope == "state":
                return writer.names[id(leaf)]
            return self.settings[self.setting_source(writer, leaf)][0]
        return source

    @staticmethod
    def guard_source(leaf: Number) -> str:
        """How a guard reads a number: from the group, or the state, as they are before
        the call (see Guards)."""
        return f"{{{leaf.leaf.scope}}}{leaf.leaf.path}"

    def guard(self, writer: Writer, scope: str, text: str) -> None:
        u = writer.update
        block = self.checks.setdefault((scope, u.opt, u.k if scope == "group" else u.name), [])
        if text not in block:
            block.append(text)

    def guard_type(self, writer: Writer, leaf: Number) -> None:
        """A number that reaches numpy must keep its type: a Python int or float is cast
        to the array's dtype, a numpy scalar takes part in the promotion."""
        kind, source = type(leaf.value), self.guard_source(leaf)
        if kind in (int, float):
            self.guard(writer, leaf.leaf.scope, f"type({source}) in {WEAK}")
        elif issubclass(kind, np.generic):
            self.guard(writer, leaf.leaf.scope, f"type({source}) is np.{kind.__name__}")
        else:
            raise CannotWrite(f"a number of type {kind.__name__} reaches numpy")

    def state_guards(self, writer: Writer) -> None:
        """The entries the update asked the state for: held (or not) at each call,
        checked before the types of the numbers read from them."""
        u = writer.update
        block = self.checks.setdefault(("state", u.opt, u.name), [])
        block[:0] = [f"{quoted(k)} in {{state}}" for k in sorted(writer.held)] + \
            [f"{quoted(k)} not in {{state}}" for k in sorted(writer.absent)]

    def lines(self) -> list[tuple[str, str]]:
        for writer in self.writers:
            writer.write()
        body = [line for writer in self.writers for line in writer.lines()]
        for writer in self.writers:
            self.state_guards(writer)
        kind = type(self.updates[0].optimizer).__name__
        params = ", ".join(f"p_{u.name}" for u in self.updates)
        head = [(f"steps_taken({self.updates[0].opt}, ({params},))",
                 f"{kind}.step: count the steps, bump the parameters' versions")]
        head += [(f"{name} = {source}", f"{kind}.step: group{path}, read at every call")
                 for source, (name, path) in self.settings.items()]
        self.guards.add(self.checks)
        return head + body


def failing(checks, group: str, state: str, indent: str) -> list[str]:
    body = f"\n{indent}        and ".join(checks).format(group=group, state=state)
    return [f"{indent}if not ({body}):", f"{indent}    return False"]


class Guards:
    """The checks the written-out updates need before each call, as a generated function
    (`optimizers_as_traced`) that the replay's entry calls: one block per group (the
    branches its settings took, their types) and one per parameter (the entries its state
    holds, the types of its numbers), each read anew."""

    def __init__(self):
        self.blocks: dict[tuple, list[str]] = {}  # (scope, opt, group or param) -> checks

    def add(self, checks: dict[tuple, list[str]]) -> None:
        for key, texts in checks.items():
            block = self.blocks.setdefault(key, [])
            block += [text for text in texts if text not in block]

    def function(self, params: list[str]) -> str | None:
        if not any(self.blocks.values()):
            return None
        group, state, p = (next(n for n in (base, f"{base}_") if n not in params)
                           for base in ("group", "state", "p"))
        lines = [f"def {GUARD_FUNCTION}({', '.join(params)}):",
                 '    """Whether the settings and the state are those that the optimisers\' '
                 'lines\n    were written for (else the call traces again)."""']
        states: dict[tuple, list[str]] = {}  # parameters whose states need the same
        for (scope, opt, which), checks in self.blocks.items():
            if checks and scope == "state":
                states.setdefault((opt, tuple(checks)), []).append(f"p_{which}")
            elif checks:
                lines += [f"    {group} = {opt}.param_groups[{which}]",
                          *failing(checks, group, state, indent="    ")]
        for (opt, checks), ps in states.items():
            lines += [f"    for {p} in ({', '.join(ps)},):",
                      f"        {state} = {opt}.state.get({p}, {{}})",
                      *failing(checks, group, state, indent="        ")]
        return "\n".join([*lines, "    return True"]) + "\n"


def written_updates(updates: list[Update], guards: Guards, fresh: Callable[[str], str],
                    imported: tuple[str, ...]) -> tuple[list, list[tuple[str, np.ndarray]]]:
    """The lines of one optimiser's updates in a row, and the buffers they write into
    (name, an array of their shape and dtype); raises CannotWrite (or whatever the update
    raises on its stand-ins) if they cannot be written out."""
    run = Run(updates, guards, fresh, imported)
    lines = run.lines()
    return lines, run.buffers
