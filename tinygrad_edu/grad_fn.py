"""`t.grad_fn` as PyTorch shows it: `MulBackward0`, `next_functions`, `AccumulateGrad`.

The engine's own record of how a tensor was made is its node (`t.node`, see
`primitive.py`): the primitive, the inputs, the parameters; the pictures draw it. PyTorch
programs look at the same graph through `t.grad_fn`, which names each step after the
backward function PyTorch would run (`MulBackward0` for a product) and links it to the
steps before it with `next_functions`: one `(function, 0)` pair per input, an
`AccumulateGrad` for a leaf that requires grad (the step that adds into its `.grad`),
`(None, 0)` for an input that needs no gradient. This module builds that view from the
node; it keeps nothing of its own.

>>> import tinygrad_edu as tg
>>> a = tg.tensor([2.0], requires_grad=True)
>>> y = a * 3 + a
>>> y.grad_fn.name(), [f.name() for f, _ in y.grad_fn.next_functions]
('AddBackward0', ['MulBackward0', 'AccumulateGrad'])
"""

from __future__ import annotations

from .primitive import Node

# PyTorch's names where they are not the primitive's name in CamelCase + "Backward0"
_PYTORCH_NAMES = {
    "copy": "CloneBackward0", "cast": "ToCopyBackward0", "reshape": "ViewBackward0",
    "getitem": "IndexBackward0", "scatter_add": "IndexPutBackward0",
    "setitem": "IndexPutBackward0", "matmul": "MmBackward0", "linear": "AddmmBackward0",
    "max": "MaxBackward1", "windows": "UnfoldBackward0",
    "pad": "ConstantPadNdBackward0", "binary_cross_entropy_with_logits":
    "BinaryCrossEntropyWithLogitsBackward0",
}


def backward_name(op_name: str) -> str:
    """PyTorch's name of the backward function of a primitive: "mul" -> "MulBackward0"."""
    if op_name in _PYTORCH_NAMES:
        return _PYTORCH_NAMES[op_name]
    if op_name.endswith("Backward"):  # a custom autograd.Function, named by its class
        return op_name
    return "".join(part.capitalize() for part in op_name.split("_")) + "Backward0"


class BackwardFunction:
    """One step of the backward pass, as PyTorch's `grad_fn` objects show it."""

    __slots__ = ("node",)

    def __init__(self, node: Node):
        self.node = node

    def name(self) -> str:
        return backward_name(self.node.op.name)

    @property
    def next_functions(self) -> tuple:
        """((function, 0), ...): for each input, the step its gradient goes to next."""
        if self.node.inputs is None:
            return ()  # freed by a backward without retain_graph
        return tuple((step_for(self.node.input(i)), 0) for i in range(len(self.node.inputs)))

    def __eq__(self, other) -> bool:
        return isinstance(other, BackwardFunction) and other.node is self.node

    def __hash__(self) -> int:
        return id(self.node)

    def __repr__(self) -> str:
        return f"<{self.name()} object>"


class AccumulateGrad:
    """The step that adds a leaf's gradient into its `.grad` (`variable` is the leaf)."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    next_functions = ()

    def __repr__(self) -> str:
        return "<AccumulateGrad object>"


def step_for(x):
    """The backward step an input's gradient goes to: its grad_fn, AccumulateGrad for a
    leaf that requires grad, None for a constant."""
    if not getattr(x, "requires_grad", False):
        return None
    return AccumulateGrad(x) if x.node is None else BackwardFunction(x.node)
