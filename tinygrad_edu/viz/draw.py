"""The pictures: the forward graph, the backward pass, and one frame per backward step.

All three draw the same nodes (from `walk.walk_graph`) and differ in what the edges and
gradients say:

- `draw_graph`: the forward pass, top to bottom; after `backward()` every tensor also shows
  its gradient.
- `draw_backward`: the output on top and the arrows turned round, so the gradient flows
  down the page as the walk goes. Step k of the walk sends gradients #k.1, #k.2, ... (one
  per input that needs one), each labelled with the VJP formula that made it.
- `backward_frames`: the backward view after step 1, 2, ... with the running op in gold and
  only the gradients known so far filled in. Every frame has the same layout: each node is
  sized for the largest label it takes in any frame, and arrow labels are there from the
  start (hidden until their gradient is sent), so nothing moves from one frame to the next.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass, field

import graphviz

from ..tensor import Tensor
from . import labels
from .backward import Step, backward_steps, gradient_numbers, total_gradients, vjp_formula
from .legend import BACKWARD, FRAME, GRAPH, Contents, add_legend
from .names import Names
from .render import pipe
from .walk import CONSTANT, MAX_NODES, OP, Walk, walk_graph

HIDDEN = "#fffffe"  # text laid out but not yet shown; the step-through page strips it
ARROW_LABEL_WIDTH = 28  # wrap long formulas ("g summed over the broadcast axes"): narrow


@dataclass
class Options:
    params: object
    show_values: bool
    rankdir: str
    max_shown: int
    legend: bool


@dataclass
class Scene:
    """Everything one picture says beyond the graph itself."""
    view: str                                                  # GRAPH, BACKWARD, FRAME
    grad_rows: dict[str, str] = field(default_factory=dict)    # node key -> gradient row
    waiting: set[str] = field(default_factory=set)             # rows still placeholders
    arrows: dict[tuple[str, int], str] = field(default_factory=dict)  # (op, input) -> label
    sent: set[tuple[str, int]] = field(default_factory=set)    # arrows that carried theirs
    current: str | None = None                                 # the op running now
    sizes: dict[str, tuple[float, float]] = field(default_factory=dict)  # key -> inches
    title: str | None = None


def draw_graph(t: Tensor, params=None, show_values: bool = True, show_grads: bool = True,
               rankdir: str = "TB", *, max_nodes: int = MAX_NODES, max_shown: int = 20,
               legend: bool = True) -> graphviz.Digraph:
    """A picture of the graph that produced `t`: a box per tensor, an oval per op, drawn
    top to bottom (`rankdir="LR"` for left to right).

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
    options = Options(params, show_values, rankdir, max_shown, legend)
    grads = _grads_after_backward(t, walk) if show_grads else {}
    scene = Scene(GRAPH, grad_rows={
        walk.key_of[key]: labels.gradient_text(g.numpy(), max_shown)
        for key, g in grads.items()})
    return _digraph(walk, Names(walk, params, []), scene, options)


def draw_backward(t: Tensor, params=None, gradient=None, show_values: bool = True,
                  rankdir: str = "BT", *, max_nodes: int = MAX_NODES, max_shown: int = 20,
                  legend: bool = True) -> graphviz.Digraph:
    """The backward pass of `t`: the output on top, red arrows pointing back from each op
    to its inputs, labelled `#k.i = formula` and the gradient's shape: the i-th gradient
    sent at step k of the walk, and the VJP that computed it.

    The walk is replayed (see `backward_steps`), so this needs no earlier backward() and
    changes no `.grad`; `gradient` seeds it as in `t.backward(gradient)`.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> "#2.1 = g * y" in draw_backward((x * 3).sum()).source
    True
    """
    walk = walk_graph(t, "draw_backward", max_nodes)
    steps = backward_steps(t, gradient)
    options = Options(params, show_values, rankdir, max_shown, legend)
    scene = _backward_scene(t, walk, steps, len(steps), options, BACKWARD)
    scene.title = (f"backward pass: {len(steps)} steps; red arrow #k.i = the i-th gradient "
                   f"sent at step k")
    return _digraph(walk, Names(walk, params, steps), scene, options)


def backward_frames(t: Tensor, params=None, gradient=None, show_values: bool = True,
                    rankdir: str = "BT", *, max_nodes: int = MAX_NODES, max_shown: int = 20,
                    legend: bool = True) -> list[graphviz.Digraph]:
    """One picture per backward step, all with the same layout: frame k shows the op run at
    step k in gold and the gradients known after it (a tensor used by two ops fills in
    over two steps). Each frame's caption, which says the rule applied, is its `comment`.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> frames = backward_frames((x.exp() * 2).sum())
    >>> len(frames), frames[1].comment
    (3, 'step 2 of 3: mul receives g of shape (2,) and sends #2.1 = g * y to exp output (its x)')
    """
    return [frame.graph for frame in frames_of(t, params, gradient, show_values, rankdir,
                                               max_nodes=max_nodes, max_shown=max_shown,
                                               legend=legend, caller="backward_frames")]


@dataclass
class Frame:
    graph: graphviz.Digraph
    caption: str
    active: str                       # the key of the op running at this step
    targets: list[str]                # the keys of the tensors it sends gradients to
    tooltips: dict[str, str]          # node key -> what hovering over it says


def frames_of(t: Tensor, params, gradient, show_values: bool, rankdir: str, *,
              max_nodes: int, max_shown: int, legend: bool, caller: str) -> list[Frame]:
    """The frames of `backward_frames`, with what the step-through page needs besides."""
    walk = walk_graph(t, caller, max_nodes)
    steps = backward_steps(t, gradient)
    options = Options(params, show_values, rankdir, max_shown, legend)
    names = Names(walk, params, steps)
    scenes = [_backward_scene(t, walk, steps, step.number, options) for step in steps]
    sizes = _largest_sizes(walk, names, scenes, options, caller)
    frames = []
    for step, scene in zip(steps, scenes):
        scene.sizes, scene.current = sizes, walk.op_of[id(step.tensor)]
        graph = _digraph(walk, names, scene, options)
        graph.comment = names.caption(step, len(steps))
        targets = [walk.key_of[id(x)] for _, x, _ in step.sent]
        frames.append(Frame(graph, graph.comment, scene.current, targets, names.tooltips()))
    return frames


def _backward_scene(t: Tensor, walk: Walk, steps: list[Step], upto: int, options: Options,
                    view: str = FRAME) -> Scene:
    """The backward view after the first `upto` steps; arrows and rows not reached yet are
    laid out all the same (hidden, or a placeholder of the final row's height)."""
    scene = Scene(view)
    totals, final = total_gradients(t, steps, upto), total_gradients(t, steps)
    received, complete = gradient_numbers(steps, upto), gradient_numbers(steps)
    for key, g in final.items():
        node = walk.key_of[key]
        title = _row_title(received.get(key), complete.get(key), key == id(t))
        full = labels.gradient_text(g.numpy(), options.max_shown, title)
        if key in totals:
            scene.grad_rows[node] = labels.gradient_text(totals[key].numpy(),
                                                         options.max_shown, title)
        else:
            scene.grad_rows[node] = labels.waiting_text(full)
            scene.waiting.add(node)
    for step in steps:
        op_key = walk.op_of[id(step.tensor)]
        for i, (index, _, gx) in enumerate(step.sent, 1):
            formula = vjp_formula(step.tensor.node.op, index)
            text = textwrap.fill(f"#{step.number}.{i} = {formula}", ARROW_LABEL_WIDTH)
            scene.arrows[(op_key, index)] = f"{text}\n{tuple(gx.shape)}"
            if step.number <= upto:
                scene.sent.add((op_key, index))
    return scene


def _row_title(received: list[str] | None, complete: list[str] | None, seed: bool) -> str:
    if seed:
        return "grad: the seed, d(out)/d(out)"
    if not received:
        return "grad"
    sofar = "" if received == complete else " so far"
    return f"grad{sofar} = {' + '.join(received)}"


def _largest_sizes(walk: Walk, names: Names, scenes: list[Scene], options: Options,
                   caller: str) -> dict[str, tuple[float, float]]:
    """{node key: (width, height)} in inches, the largest each tensor's label gets in any
    frame, measured by one run of `dot` over every label variant."""
    probe = graphviz.Digraph(node_attr={"fontname": "Helvetica"})
    variants: dict[str, str] = {}
    for number, scene in enumerate(scenes):
        for item in walk.items:
            if item.kind not in (OP, CONSTANT) and item.key in scene.grad_rows:
                name = f"{item.key}_{number}"
                variants[name] = item.key
                probe.node(name, _label(item, names, scene, options),
                           **labels.node_attrs(item.kind))
    layout = json.loads(pipe(probe, "json", caller))
    sizes: dict[str, tuple[float, float]] = {}
    for node in layout.get("objects", []):
        key = variants[node["name"]]
        width, height = float(node["width"]), float(node["height"])
        old = sizes.get(key, (0.0, 0.0))
        sizes[key] = (max(old[0], width), max(old[1], height))
    return sizes


def _grads_after_backward(t: Tensor, walk: Walk) -> dict[int, Tensor]:
    tensors = walk.tensors()
    if all(x.grad is None for x in tensors):  # backward() has not run: no gradients yet
        return {}
    grads = {}
    if t.requires_grad and t.numel() == 1:
        grads = total_gradients(t, backward_steps(t))
    grads.update({id(x): x.grad for x in tensors if x.grad is not None})
    return grads


def _digraph(walk: Walk, names: Names, scene: Scene, options: Options) -> graphviz.Digraph:
    graph_attr = {"rankdir": options.rankdir, "fontname": "Helvetica", "nodesep": "0.2"}
    if scene.title:
        graph_attr.update(label=scene.title, labelloc="t")
    graph = graphviz.Digraph("tinygrad_edu", graph_attr=graph_attr,
                             node_attr={"fontname": "Helvetica"},
                             edge_attr={"fontname": "Helvetica", "fontsize": "10"})
    for item in reversed(walk.items):  # inputs first: dot then lays them out first
        attrs = labels.node_attrs(item.kind) | {"tooltip": names.tooltip(item.key)}
        if item.kind == OP:  # its inputs left to right in their order: X left of W in X @ W
            attrs.update(ordering="in")
        if item.key == scene.current:
            attrs.update(fillcolor=labels.CURRENT_COLOUR, penwidth="3")
        if item.key in scene.sizes:
            width, height = scene.sizes[item.key]
            attrs.update(width=f"{width + 0.01:.4f}", height=f"{height + 0.01:.4f}")
        graph.node(item.key, _label(item, names, scene, options), **attrs)
    backward = scene.view != GRAPH
    for edge in _in_input_order(walk):
        attrs = _edge_attrs(edge, walk, names, scene) if backward else {}
        if edge.index is not None and names.has_roles(edge.head):
            attrs.update(headlabel=names.role(edge.head, edge.index), labelfontsize="11",
                         labelfontcolor="blue4", labeldistance="1.6")
        graph.edge(edge.tail, edge.head, **attrs)
    if options.legend:
        add_legend(graph, Contents(
            {item.kind for item in walk.items}, scene.view, bool(scene.grad_rows),
            any(names.has_roles(item.key) for item in walk.items)), options.rankdir,
            walk.items[0].key)
    return graph


def _in_input_order(walk: Walk) -> list:
    """The edges, inputs first, and each op's input arrows in the order of its inputs."""
    by_op: dict[str, list] = {}
    for edge in walk.edges:
        by_op.setdefault(edge.head if edge.index is not None else edge.tail, []).append(edge)
    ordered = []
    for item in reversed(walk.items):
        if item.kind == OP:
            inputs = sorted((e for e in by_op[item.key] if e.index is not None),
                            key=lambda e: e.index)
            ordered += inputs + [e for e in by_op[item.key] if e.index is None]
    return ordered


def _label(item, names: Names, scene: Scene, options: Options) -> str:
    if item.kind == OP:
        node = item.value.node
        return labels.op_label(node.op.name, node.params)
    if item.kind == CONSTANT:
        return labels.constant_label(item.value, options.max_shown)
    return labels.tensor_label(item.value, names.name(item.key), scene.grad_rows.get(item.key),
                               options.show_values, options.max_shown,
                               waiting=item.key in scene.waiting)


def _edge_attrs(edge, walk: Walk, names: Names, scene: Scene) -> dict[str, str]:
    """Backward view: arrows point back; red where a gradient has flowed, grey elsewhere."""
    attrs = {"dir": "back", "color": "grey70"}
    if edge.index is None:  # op -> the tensor it made: red once that gradient is known
        if edge.head not in scene.waiting and edge.head in scene.grad_rows:
            attrs.update(color=labels.GRAD_COLOUR)
        return attrs
    arrow = (edge.head, edge.index)
    if arrow in scene.arrows:
        attrs.update(label=scene.arrows[arrow], fontcolor=HIDDEN,
                     tooltip=names.arrow_tooltip(edge, scene.arrows[arrow]))
        if arrow in scene.sent:
            attrs.update(color=labels.GRAD_COLOUR, fontcolor=labels.GRAD_COLOUR,
                         penwidth="3" if edge.head == scene.current else "1.5")
    return attrs
