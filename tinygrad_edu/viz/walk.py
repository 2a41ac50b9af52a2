"""Collect the graph behind a tensor: the tensors, op nodes and constants a picture draws.

The walk reads only what every `Node` carries (the primitive's name, the inputs, the
params) and never recurses, so a long chain of operations cannot hit Python's recursion
limit. Node keys come from a counter in the order the walk meets them (`t0` is the tensor
drawn, then its op `op0`, then that op's inputs...), never from `id()`: the same graph
always gives the same keys, the same DOT source and the same picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..tensor import Tensor

MAX_NODES = 300  # beyond this dot gets slow and a picture unreadable: refuse, say why

# What a drawn node is; each kind has its own style and an entry in the legend.
PARAMETER = "parameter"        # a leaf that requires grad: backward() fills its .grad
DATA = "data"                  # a leaf tensor without grad (inputs X, targets y)
CONSTANT = "constant"          # a Python number or numpy array handed to an op
INTERMEDIATE = "intermediate"  # made by an op, used by another
OUTPUT = "output"              # the tensor the picture was asked for
OP = "op"                      # one recorded operation


@dataclass
class Item:
    """One node of the picture. `value` is the tensor (for an op: the tensor it made) or,
    for a constant, the number or array itself."""
    key: str
    kind: str
    value: object


@dataclass
class Edge:
    """An arrow of the forward pass: input -> op (`index` = the input's position) or
    op -> the tensor it made (`index` is None)."""
    tail: str
    head: str
    index: int | None = None


@dataclass
class Walk:
    """The drawable graph: items and edges in walk order, and where each tensor went."""
    items: list[Item] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    key_of: dict[int, str] = field(default_factory=dict)  # id(tensor) -> its node's key
    op_of: dict[int, str] = field(default_factory=dict)   # id(tensor) -> key of its op
    counts: dict[str, int] = field(default_factory=dict)  # key prefix -> keys given so far

    def tensors(self) -> list[Tensor]:
        """Every tensor drawn, in walk order."""
        return [item.value for item in self.items if item.kind not in (OP, CONSTANT)]


def walk_graph(t: Tensor, caller: str = "walk_graph", max_nodes: int = MAX_NODES) -> Walk:
    """The graph that produced `t`, found by an iterative walk from `t` to its leaves.

    Raises RuntimeError when backward() has freed the graph, and ValueError when the graph
    has more than `max_nodes` nodes (dot would take long and draw an unreadable tangle).

    >>> import tinygrad_edu as tg
    >>> a = tg.tensor(2.0, requires_grad=True, name="a")
    >>> walk = walk_graph(a * 3)
    >>> [item.key for item in walk.items], [t.name for t in walk.tensors()]
    (['t0', 'op0', 't1', 'c0'], [None, 'a'])
    """
    walk = Walk()
    _add_tensor(walk, t, OUTPUT)
    todo = [t]
    while todo:
        x = todo.pop()
        node = x.node
        if node is None:
            continue
        if node.inputs is None:
            raise RuntimeError(_freed_message(caller, node.op.name))
        op_key = _add(walk, OP, x)
        walk.op_of[id(x)] = op_key
        walk.edges.append(Edge(op_key, walk.key_of[id(x)]))
        for index, value in enumerate(node.inputs):
            if isinstance(value, Tensor):
                if id(value) not in walk.key_of:
                    _add_tensor(walk, value, _kind(value))
                    todo.append(value)
                tail = walk.key_of[id(value)]
            else:
                tail = _add(walk, CONSTANT, value)
            walk.edges.append(Edge(tail, op_key, index))
        if len(walk.items) > max_nodes:
            raise ValueError(_too_large_message(caller, max_nodes))
    return walk


def _kind(t: Tensor) -> str:
    if t.node is not None:
        return INTERMEDIATE
    return PARAMETER if t.requires_grad else DATA


def _add(walk: Walk, kind: str, value: object) -> str:
    prefix = {OP: "op", CONSTANT: "c"}.get(kind, "t")
    number = walk.counts.get(prefix, 0)
    walk.counts[prefix] = number + 1
    walk.items.append(Item(f"{prefix}{number}", kind, value))
    return f"{prefix}{number}"


def _add_tensor(walk: Walk, t: Tensor, kind: str) -> None:
    walk.key_of[id(t)] = _add(walk, kind, t)


def _freed_message(caller: str, op_name: str) -> str:
    return (f"{caller}: the graph was freed by backward() (the saved inputs of `{op_name}` "
            f"are gone). Draw it before calling backward(), or call "
            f"backward(retain_graph=True) to keep it for the picture.")


def _too_large_message(caller: str, max_nodes: int) -> str:
    return (f"{caller}: the graph has more than {max_nodes} nodes; dot would take long and "
            f"the picture would be unreadable. Draw a smaller piece (a loss on a few rows, "
            f"one layer), or pass max_nodes= a larger number to draw it anyway.")


def names_of(params) -> dict[int, str]:
    """{id(tensor): name} from a dict {name: tensor} or anything with `named_parameters()`
    (a `tg.nn.Module`)."""
    if params is None:
        return {}
    pairs = params.named_parameters() if hasattr(params, "named_parameters") else \
        params.items()
    return {id(tensor): str(name) for name, tensor in pairs}
