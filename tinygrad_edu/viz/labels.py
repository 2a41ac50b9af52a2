"""What each node of a picture says and how it looks: labels, colours, the legend.

A tensor's label is micrograd's `data | grad` record made into a small table: its name, its
shape and dtype, its value, and (once known) its gradient with the gradient's norm. A few
numbers are printed in full; more are summarised by mean, std, min and max, so that a label
stays readable whatever the tensor's size. Labels are graphviz HTML-like labels, so every
piece of text goes through `html.escape`.
"""

from __future__ import annotations

import html

import numpy as np

from ..tensor import Tensor
from .walk import CONSTANT, DATA, INTERMEDIATE, OP, OUTPUT, PARAMETER

# Fill colours, after pytorchviz's: blue for what receives .grad, green for the output.
FILL = {
    PARAMETER: "lightblue",
    DATA: "lightyellow",
    CONSTANT: "white",
    INTERMEDIATE: "white",
    OUTPUT: "darkolivegreen1",
    OP: "lightgrey",
}
LEGEND = {
    PARAMETER: "parameter: a leaf that requires grad (gets .grad)",
    DATA: "data: a leaf tensor without grad",
    CONSTANT: "constant: a number or array given to an op",
    INTERMEDIATE: "intermediate tensor",
    OUTPUT: "output: the tensor drawn",
    OP: "op: one recorded operation",
}
GRAD_COLOUR = "red3"          # gradients: label rows and the edges of the backward pass
CURRENT_COLOUR = "gold"       # the op a backward frame is running
GRAD_ROW = "mistyrose"        # background of a tensor's gradient row
LINE_WIDTH = 32               # wrap printed arrays: long labels make wide pictures


def node_attrs(kind: str) -> dict[str, str]:
    """Graphviz attributes of a node of this kind."""
    attrs = {"shape": "box", "style": "filled", "fillcolor": FILL[kind], "fontsize": "11"}
    if kind == OP:
        attrs.update(shape="ellipse")
    elif kind == CONSTANT:
        attrs.update(style="dashed,filled", fontsize="9", color="grey40")
    return attrs


def describe(array: np.ndarray, max_shown: int) -> str:
    """The values when there are at most `max_shown` of them, else a summary.

    >>> describe(np.array([1.0, 2.5]), 6)
    '[1, 2.5]'
    >>> describe(np.arange(10.0), 6)
    'mean 4.5 std 2.872\\nmin 0 max 9'
    """
    array = np.asarray(array)
    if array.size <= max_shown:
        return np.array2string(array, separator=", ", formatter={"all": _number},
                               max_line_width=LINE_WIDTH)
    if array.dtype == np.bool_:
        return f"{int(array.sum())} of {array.size} true"
    values = array.astype(np.float64)
    with np.errstate(all="ignore"):  # inf and nan are legal values: summarise them quietly
        return (f"mean {_number(values.mean())} std {_number(values.std())}\n"
                f"min {_number(values.min())} max {_number(values.max())}")


def _number(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    return f"{value + 0:.4g}"  # + 0 turns -0.0 into 0.0: "-0" only puzzles a reader


def norm(array: np.ndarray) -> float:
    """The Euclidean (Frobenius) norm of all entries, in float64."""
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def shape_text(t: Tensor) -> str:
    return f"{tuple(t.shape)} {t.dtype}"


def tensor_label(t: Tensor, name: str | None, grad: Tensor | None, show_values: bool,
                 max_shown: int) -> str:
    """The HTML-like label of a tensor: name, shape and dtype, value, gradient."""
    rows = []
    if name:
        rows.append(f"<B>{html.escape(name)}</B>")
    rows.append(html.escape(shape_text(t)))
    if show_values:
        rows.append(_lines(describe(t.array, max_shown)))
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    if grad is not None:
        text = f"grad {describe(grad.array, max_shown)}\n|grad| = {_number(norm(grad.array))}"
        cells += (f'<TR><TD BGCOLOR="{GRAD_ROW}"><FONT COLOR="{GRAD_COLOUR}">'
                  f"{_lines(text)}</FONT></TD></TR>")
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0">{cells}</TABLE>>'


def op_label(name: str, params: dict) -> str:
    """The op's name in bold, its params below (`axis=(0,)`)."""
    text = f"<B>{html.escape(name)}</B>"
    for key, value in params.items():
        text += f"<BR/>{html.escape(f'{key}={short(value)}')}"
    return f"<{text}>"


def constant_label(value, max_shown: int) -> str:
    """A number as itself; an array as its values (or summary) with shape and dtype."""
    if isinstance(value, np.ndarray):
        text = f"{value.shape} {value.dtype}\n{describe(value, max_shown)}"
    else:
        text = short(value)
    return f"<{_lines(text)}>"


def short(value, limit: int = 40) -> str:
    """A one-line description of a param or constant, at most `limit` characters."""
    if isinstance(value, np.ndarray):
        text = f"array{value.shape}" if value.size > 4 else \
            np.array2string(value, separator=", ", formatter={"all": _number})
    elif isinstance(value, (np.dtype, type)):
        text = np.dtype(value).name
    elif isinstance(value, tuple):
        text = "(" + ", ".join(short(v, limit) for v in value) + ("," if len(value) == 1
                                                                  else "") + ")"
    elif isinstance(value, slice):
        text = ":".join("" if v is None else str(v) for v in (value.start, value.stop,
                                                              value.step)).rstrip(":") or ":"
    elif isinstance(value, (float, np.floating)):
        text = _number(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _lines(text: str) -> str:
    """Escape text for an HTML-like label and keep its line breaks."""
    return "<BR/>".join(html.escape(line) for line in text.split("\n"))


def legend_label(backward: bool, frame: bool) -> str:
    """One table node: a coloured row per kind of node; the backward view adds its arrows
    and a frame its highlighted op."""
    rows = [(FILL[kind], "black", text) for kind, text in LEGEND.items()]
    if backward:
        rows.append(("white", GRAD_COLOUR, "red arrow #k: the gradient sent back at step k"))
    if frame:
        rows.append((CURRENT_COLOUR, "black", "the op running at this step"))
    cells = "".join(f'<TR><TD BGCOLOR="{fill}" ALIGN="LEFT"><FONT COLOR="{colour}">'
                    f"{html.escape(text)}</FONT></TD></TR>" for fill, colour, text in rows)
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="2"><TR><TD BORDER="0">'
            f"<B>legend</B></TD></TR>{cells}</TABLE>>")
