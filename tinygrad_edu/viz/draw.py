"""The pictures: the forward graph, the backward pass, and one frame per backward step.

All three draw the same nodes (from `walk.walk_graph`) and differ in what the edges and
gradients say:

- `draw_graph`: the forward pass; after `backward()` every tensor also shows its gradient.
- `draw_backward`: the arrows turn round and carry the gradient flowing back along them,
  numbered `#1, #2, ...` in the order the engine's walk sends them.
- `backward_frames`: the backward view after step 1, 2, ... with the running op
  highlighted and only the gradients known so far filled in.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from ..tensor import Tensor
from . import labels
from .backward import Step, backward_steps, total_gradients
from .walk import CONSTANT, MAX_NODES, OP, Walk, names_of, walk_graph


@dataclass
class _Options:
    names: dict[int, str]
    show_values: bool
    rankdir: str
    max_shown: int
    legend: bool


def draw_graph(t: Tensor, params=None, show_values: bool = True, show_grads: bool = True,
               rankdir: str = "LR", *, max_nodes: int = MAX_NODES, max_shown: int = 6,
               legend: bool = True) -> graphviz.Digraph:
    """A picture of the graph that produced `t`: a box per tensor, an oval per op.

    Tensors show their name (from `params`, a dict {name: tensor} or a Module, else
    `Tensor.name`), shape, dtype and value (in full up to `max_shown` numbers, else
    summarised). Once backward() has run (any tensor of the graph has a `.grad`), they
    also show their gradient: leaves their `.grad`, intermediates the gradient of a scalar
    `t` (recomputed by replaying the walk, since the engine keeps none). A graph freed by
    backward() cannot be drawn: call `backward(retain_graph=True)`, or draw before it.

    >>> import tinygrad_edu as tg
    >>> w = tg.tensor([1.0, -2.0], requires_grad=True, name="w")
    >>> loss = (w * w).sum()
    >>> loss.backward(retain_graph=True)
    >>> draw_graph(loss).source.count("|grad| =")  # loss, w * w and w
    3
    """
    walk = walk_graph(t, "draw_graph", max_nodes)
    grads = _grads_after_backward(t, walk) if show_grads else {}
    options = _Options(names_of(params), show_values, rankdir, max_shown, legend)
    return _digraph(walk, grads, {}, options, backward=False)


def draw_backward(t: Tensor, params=None, gradient=None, show_values: bool = True,
                  rankdir: str = "LR", *, max_nodes: int = MAX_NODES, max_shown: int = 6,
                  legend: bool = True) -> graphviz.Digraph:
    """The backward pass of `t`: red arrows point back from each op to its inputs and are
    labelled `#k (shape) |g| = norm`, k being the order in which the walk sends them.

    The walk is replayed (see `backward_steps`), so this needs no earlier backward() and
    changes no `.grad`; `gradient` seeds it as in `t.backward(gradient)`.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> "#2" in draw_backward((x * 3).sum()).source
    True
    """
    walk = walk_graph(t, "draw_backward", max_nodes)
    steps = backward_steps(t, gradient)
    options = _Options(names_of(params), show_values, rankdir, max_shown, legend)
    title = f"backward pass: {len(steps)} steps; red arrow #k = gradient sent at step k"
    return _backward_picture(t, walk, steps, len(steps), options, title, current=None)


def backward_frames(t: Tensor, params=None, gradient=None, show_values: bool = True,
                    rankdir: str = "LR", *, max_nodes: int = MAX_NODES, max_shown: int = 6,
                    legend: bool = True) -> list[graphviz.Digraph]:
    """One picture per backward step: frame k highlights the op run at step k and shows
    the gradients known after it (a tensor used by two ops fills in over two steps).

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> len(backward_frames((x.exp() * 2).sum()))
    3
    """
    walk = walk_graph(t, "backward_frames", max_nodes)
    steps = backward_steps(t, gradient)
    options = _Options(names_of(params), show_values, rankdir, max_shown, legend)
    return [_backward_picture(t, walk, steps, step.number, options, _frame_caption(step, steps),
                              current=walk.op_of[id(step.tensor)])
            for step in steps]


def _frame_caption(step: Step, steps: list[Step]) -> str:
    """What a frame shows, in one line: "step 3 of 5: `add` receives a gradient of shape
    (2, 3) and sends gradients to 2 inputs"."""
    name = step.tensor.node.op.name
    inputs = "1 input" if len(step.sent) == 1 else f"{len(step.sent)} inputs"
    return (f"step {step.number} of {len(steps)}: `{name}` receives a gradient of shape "
            f"{tuple(step.grad.shape)} and sends gradients to {inputs}")


def _grads_after_backward(t: Tensor, walk: Walk) -> dict[int, Tensor]:
    tensors = walk.tensors()
    if all(x.grad is None for x in tensors):  # backward() has not run: no gradients yet
        return {}
    grads = {}
    if t.requires_grad and t.array.size == 1:
        grads = total_gradients(t, backward_steps(t))
    grads.update({id(x): x.grad for x in tensors if x.grad is not None})
    return grads


def _backward_picture(t: Tensor, walk: Walk, steps: list[Step], upto: int, options: _Options,
                      title: str, current: str | None) -> graphviz.Digraph:
    """The backward view after the first `upto` steps."""
    edge_labels, number = {}, 0
    for step in steps[:upto]:
        op_key = walk.op_of[id(step.tensor)]
        for index, _, gx in step.sent:
            number += 1
            edge_labels[(op_key, index)] = (f"#{number} {tuple(gx.shape)}\n"
                                            f"|g| = {labels.norm(gx.array):.4g}",
                                            op_key == current)
    grads = total_gradients(t, steps, upto)
    return _digraph(walk, grads, edge_labels, options, backward=True, title=title,
                    current=current)


def _digraph(walk: Walk, grads: dict[int, Tensor], edge_labels: dict, options: _Options,
             backward: bool, title: str | None = None,
             current: str | None = None) -> graphviz.Digraph:
    graph_attr = {"rankdir": options.rankdir, "fontname": "Helvetica"}
    if title:  # kept in graph_attr so that save_backprop_html can read a frame's caption
        graph_attr.update(label=title, labelloc="t")
    graph = graphviz.Digraph("tinygrad_edu", graph_attr=graph_attr,
                             node_attr={"fontname": "Helvetica"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    for item in reversed(walk.items):  # inputs first: dot then lays them out first
        attrs = labels.node_attrs(item.kind)
        if item.key == current:
            attrs.update(fillcolor=labels.CURRENT_COLOUR, penwidth="3")
        graph.node(item.key, _label(item, grads, options), **attrs)
    made_by = {item.key: item.value for item in walk.items if item.kind == OP}
    for edge in reversed(walk.edges):
        attrs = _edge_attrs(edge, made_by, grads, edge_labels) if backward else {}
        graph.edge(edge.tail, edge.head, **attrs)
    if options.legend:
        _add_legend(graph, backward, frame=current is not None)
    return graph


def _label(item, grads: dict[int, Tensor], options: _Options) -> str:
    if item.kind == OP:
        node = item.value.node
        return labels.op_label(node.op.name, node.params)
    if item.kind == CONSTANT:
        return labels.constant_label(item.value, options.max_shown)
    t = item.value
    name = options.names.get(id(t)) or t.name
    return labels.tensor_label(t, name, grads.get(id(t)), options.show_values,
                               options.max_shown)


def _edge_attrs(edge, made_by: dict[str, Tensor], grads: dict[int, Tensor],
                edge_labels: dict) -> dict[str, str]:
    """Backward view: arrows point back; red where a gradient has flowed, grey elsewhere."""
    attrs = {"dir": "back", "color": "grey70"}
    if edge.index is None:  # op -> the tensor it made: red once that gradient is known
        if id(made_by[edge.tail]) in grads:
            attrs.update(color=labels.GRAD_COLOUR)
    elif (edge.head, edge.index) in edge_labels:
        text, now = edge_labels[(edge.head, edge.index)]
        attrs.update(color=labels.GRAD_COLOUR, fontcolor=labels.GRAD_COLOUR, label=text,
                     penwidth="3" if now else "1.5")
    return attrs


def _add_legend(graph: graphviz.Digraph, backward: bool, frame: bool) -> None:
    graph.node("legend", labels.legend_label(backward, frame), shape="plaintext",
               fontsize="10")
