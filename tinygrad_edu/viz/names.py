"""What the pictures call things: tensor names, input roles, tooltips and captions.

A node's key (`t3`, `op1`) identifies it in the DOT source and never reaches the reader:
tooltips and captions use the tensor's name (from `params` or `Tensor.name`), or say what
it is ("sigmoid output", "data (4, 3)"), and the role each input plays in its op's VJP
formulas (`x`, `y` in `g @ y.T`).
"""

from __future__ import annotations

from collections import Counter

from ..tensor import Tensor
from .backward import Step, gradient_numbers, input_names, vjp_formula
from .walk import CONSTANT, OP, OUTPUT, Walk, names_of


class Names:
    """Names for the nodes of one walk; `steps` (may be empty) dates the intermediates."""

    def __init__(self, walk: Walk, params, steps: list[Step]):
        self.walk, self.steps = walk, steps
        self.items = {item.key: item for item in walk.items}
        self.given = names_of(params)
        self.step_of = {id(step.tensor): step.number for step in steps}
        self.op_names = Counter(item.value.node.op.name for item in walk.items
                                if item.kind == OP)

    def name(self, key: str) -> str | None:
        """The tensor's own name, if it has one (drawn in bold)."""
        t = self.items[key].value
        return self.given.get(id(t)) or t.name

    def display(self, key: str) -> str:
        """The name, or what the node is: "sigmoid output", "data (4, 3)", "output"."""
        item = self.items[key]
        if item.kind == OP:
            return item.value.node.op.name
        if item.kind == CONSTANT:
            return "a constant"
        t = item.value
        if self.name(key):
            return self.name(key)
        if item.kind == OUTPUT:
            return "the output"
        if t.node is None:
            return f"{item.kind} {tuple(t.shape)}"
        op = t.node.op.name
        if self.op_names[op] > 1 and id(t) in self.step_of:  # which mul? the one of step 4
            return f"{op} output of step {self.step_of[id(t)]}"
        return f"{op} output"

    def has_roles(self, key: str) -> bool:
        """Whether the arrows into this op are labelled with their roles (2+ inputs)."""
        item = self.items[key]
        return item.kind == OP and len(item.value.node.inputs) > 1

    def role(self, op_key: str, index: int) -> str:
        node = self.items[op_key].value.node
        return input_names(node.op, len(node.inputs))[index]

    def tooltip(self, key: str) -> str:
        """What hovering over a node says."""
        item = self.items[key]
        if item.kind == OP:
            node = item.value.node
            roles = input_names(node.op, len(node.inputs))
            rules = ", ".join(f"to {role}: {vjp_formula(node.op, i)}"
                              for i, role in enumerate(roles))
            return f"{node.op.name}; its VJPs send {rules}"
        if item.kind == CONSTANT:
            return "a constant: no gradient"
        t: Tensor = item.value
        return f"{self.display(key)}: {item.kind}, {tuple(t.shape)} {t.dtype}"

    def tooltips(self) -> dict[str, str]:
        return {key: self.tooltip(key) for key in self.items}

    def arrow_tooltip(self, edge, label: str) -> str:
        formula = " ".join(label.split("\n")[:-1])  # the label, unwrapped, without its shape
        return f"{formula}: the gradient for {self.display(edge.tail)}"

    def caption(self, step: Step, count: int) -> str:
        """What step k does, in one line: the op, the rule for each gradient it sends, and
        the sums where a tensor collects gradients from several steps."""
        op_key = self.walk.op_of[id(step.tensor)]
        op = step.tensor.node.op
        sends = [f"#{step.number}.{i} = {vjp_formula(op, index)} to "
                 f"{self.display(self.walk.key_of[id(x)])} (its {self.role(op_key, index)})"
                 for i, (index, x, _) in enumerate(step.sent, 1)]
        text = (f"step {step.number} of {count}: {op.name} receives g of shape "
                f"{tuple(step.grad.shape)} and sends {', '.join(sends)}")
        received, complete = gradient_numbers(self.steps, step.number), \
            gradient_numbers(self.steps)
        for x in {id(x): x for _, x, _ in step.sent}.values():  # x * x: one sum for x
            sofar = "" if received[id(x)] == complete[id(x)] else " so far"
            if len(received[id(x)]) > 1 or sofar:
                text += (f"; {self.display(self.walk.key_of[id(x)])}.grad{sofar} = "
                         f"{' + '.join(received[id(x)])}")
        return text
