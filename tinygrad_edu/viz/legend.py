"""The legend: one entry per kind of thing the picture contains, drawn as the picture
draws it (a parameter as a blue box, an op as a grey oval, a constant dashed and grey, a
gradient row in red on pink), in a box of its own beside the graph.

Only what the picture holds gets an entry: a graph without constants has no "constant"
line, a picture without gradients does not explain gradient rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from . import labels
from .walk import OP

GRAPH, BACKWARD, FRAME = "graph", "backward", "frame"  # the three pictures


@dataclass
class Contents:
    """What a picture holds, as far as the legend cares."""
    kinds: set[str]        # walk kinds drawn (parameter, op, ...)
    view: str              # GRAPH, BACKWARD or FRAME
    gradients: bool        # any gradient row
    roles: bool            # x, y labels on the arrows into an op


def add_legend(graph: graphviz.Digraph, contents: Contents, rankdir: str, output: str) -> None:
    """Sample nodes, one per entry, stacked by invisible edges, the first on top.

    The legend ends (TB) or starts (BT) beside the `output` node: the narrow end of most
    graphs (one loss), so the legend adds little to the picture's width. (A cluster would
    draw a frame round the legend, but dot then no longer keeps each op's inputs in their
    order.)
    """
    entries = [("<<B>legend</B>>", {"shape": "plaintext", "fontsize": "11"})]
    entries += _entries(contents)
    for number, (label, attrs) in enumerate(entries):
        graph.node(f"legend{number}", label, tooltip="legend", **attrs)
    for number in range(len(entries) - 1):
        tail, head = f"legend{number}", f"legend{number + 1}"
        if rankdir == "BT":  # first entry on top whichever way the graph grows
            tail, head = head, tail
        graph.edge(tail, head, style="invis")
    if rankdir == "BT":
        graph.edge("legend0", output, style="invis", minlen="0")
    elif rankdir == "TB":
        graph.edge(output, f"legend{len(entries) - 1}", style="invis", minlen="0")


def _entries(contents: Contents) -> list[tuple[str, dict[str, str]]]:
    entries = []
    for kind, text in labels.LEGEND.items():
        if kind in contents.kinds:
            if kind == OP and not contents.roles:
                text = text.split(";")[0].replace("\n", " ")
            entries.append((text, labels.node_attrs(kind)))
    if contents.gradients:
        entries.append((_gradient_row(contents.view), {"shape": "box", "fontsize": "10"}))
    if contents.view != GRAPH:
        text = ("red arrow #k.i: the i-th\ngradient sent at step k\n(its VJP formula, "
                "its shape);\ngrey arrow: no gradient")
        entries.append((text, {"shape": "plaintext", "fontcolor": labels.GRAD_COLOUR,
                               "fontsize": "10"}))
    if contents.view == FRAME:
        entries.append(("the op running at this step", labels.node_attrs(OP) | {
            "fillcolor": labels.CURRENT_COLOUR, "penwidth": "3"}))
    return [(f"<{labels.lines(text)}>" if not text.startswith("<") else text, attrs)
            for text, attrs in entries]


def _gradient_row(view: str) -> str:
    """A sample tensor box whose red row says what a gradient row holds."""
    if view == GRAPH:
        text = "grad: d(output) / d(this tensor)\n|grad|: its norm"
    else:
        waiting = "\n(grey until they arrive)" if view == FRAME else ""
        text = (f"grad = #2.1 + #3.1: the sum\nof the gradients it received{waiting};\n"
                f"|grad|: its norm")
    return (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0"><TR><TD>a tensor: name,<BR/>'
            f'shape, dtype, value</TD></TR><TR><TD BGCOLOR="{labels.GRAD_ROW}"><FONT '
            f'COLOR="{labels.GRAD_COLOUR}">{labels.lines(text)}</FONT></TD></TR></TABLE>>')
