"""What each node of a picture says and how it looks: labels, colours, the legend.

A tensor's label is micrograd's `data | grad` record made into a small table: its name, its
shape and dtype, its value, and (once known) its gradient with the gradient's norm. Up to
`max_shown` numbers (20 by default: a 4x3 gradient can be checked by eye) are printed in
full, one matrix row per line; more are summarised by mean, std, min and max. Values within
rounding of 0 print as 0, so float noise (`-9.3e-10` for a mean that is exactly 0 in exact
arithmetic) does not pass for a result. Labels are graphviz HTML-like labels, so every
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
    PARAMETER: "parameter: a leaf that requires\ngrad (backward() fills its .grad)",
    DATA: "data: a leaf tensor\nwithout grad",
    CONSTANT: "constant: a number or\narray given to an op",
    INTERMEDIATE: "intermediate: made by\none op, used by another",
    OUTPUT: "output: the tensor drawn",
    OP: "op: one recorded\noperation; x, y on its\narrows name its inputs",
}
GRAD_COLOUR = "red3"          # gradients: label rows and the edges of the backward pass
CURRENT_COLOUR = "gold"       # the op a backward frame is running
GRAD_ROW = "mistyrose"        # background of a tensor's gradient row
WAITING_COLOUR = "grey55"     # a gradient row whose gradient has not arrived yet
ROW_LENGTH = 6                # numbers per printed line of a 1-D array: labels stay narrow
ZERO_ULPS = 8                 # |v| <= ZERO_ULPS * eps * (largest |entry|) prints as 0


def node_attrs(kind: str) -> dict[str, str]:
    """Graphviz attributes of a node of this kind (the legend draws its entries with them)."""
    attrs = {"shape": "box", "style": "filled", "fillcolor": FILL[kind], "fontsize": "10"}
    if kind == OP:
        attrs.update(shape="ellipse")
    elif kind == CONSTANT:
        attrs.update(style="dashed,filled", fontsize="9", color="grey40")
    return attrs


def describe(array: np.ndarray, max_shown: int = 20) -> str:
    """The values when there are at most `max_shown` of them, else a summary; values within
    rounding of 0 (relative to the largest entry) print as 0.

    >>> describe(np.array([1.0, 2.5]))
    '[1, 2.5]'
    >>> describe(np.array([[1.0, -2e-9], [3.0, 4.0]], dtype=np.float32))
    '[[1, 0],\\n [3, 4]]'
    >>> describe(np.arange(10.0), 6)
    'mean 4.5 std 2.872\\nmin 0 max 9'
    """
    array = np.asarray(array)
    if array.dtype == np.bool_ and array.size > max_shown:
        return f"{int(array.sum())} of {array.size} true"
    tiny = _rounding_of_zero(array)
    if array.size <= max_shown:
        return _in_full(array, tiny)
    values = array.astype(np.float64)
    with np.errstate(all="ignore"):  # inf and nan are legal values: summarise them quietly
        stats = [values.mean(), values.std(), values.min(), values.max()]
    mean, std, low, high = (_number(v, tiny) for v in stats)
    return f"mean {mean} std {std}\nmin {low} max {high}"


def _rounding_of_zero(array: np.ndarray) -> float:
    """The size below which a value computed from `array` is rounding noise around 0."""
    if array.dtype.kind != "f" or array.size == 0:
        return 0.0
    finite = np.abs(array[np.isfinite(array)])
    scale = float(finite.max()) if finite.size else 0.0
    return ZERO_ULPS * float(np.finfo(array.dtype).eps) * scale


def _in_full(array: np.ndarray, tiny: float) -> str:
    """Every value; a matrix one row per line, a vector ROW_LENGTH numbers per line, so
    that the number of lines depends on the shape only (frames keep their sizes)."""
    text = np.array2string(array, separator=", ", max_line_width=10_000,
                           formatter={"all": lambda v: _number(v, tiny)})
    if array.ndim != 1 or array.size <= ROW_LENGTH:
        return text
    items = text[1:-1].split(", ")
    lines = [", ".join(items[i:i + ROW_LENGTH]) for i in range(0, len(items), ROW_LENGTH)]
    return "[" + ",\n ".join(lines) + "]"


def _number(value, tiny: float = 0.0) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if abs(value) <= tiny:
        value = 0
    return f"{value + 0:.4g}"  # + 0 turns -0.0 into 0.0: "-0" only puzzles a reader


def norm(array: np.ndarray) -> float:
    """The Euclidean (Frobenius) norm of all entries, in float64."""
    with np.errstate(all="ignore"):
        return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def shape_text(t: Tensor) -> str:
    return f"{tuple(t.shape)} {t.dtype}"


def gradient_text(grad: np.ndarray, max_shown: int, title: str = "grad") -> str:
    """The gradient row: a title line, the values, the norm."""
    return f"{title}\n{describe(grad, max_shown)}\n|grad| = {_number(norm(grad))}"


def waiting_text(final: str) -> str:
    """A gradient row before its gradient arrives, as many lines tall as `final`, so the
    node keeps its size (and the picture its layout) from frame to frame."""
    return "grad: not yet received" + "\n" * final.count("\n")


def tensor_label(t: Tensor, name: str | None, grad_text: str | None, show_values: bool,
                 max_shown: int, waiting: bool = False) -> str:
    """The HTML-like label of a tensor: name, shape and dtype, value, gradient row."""
    rows = []
    if name:
        rows.append(f"<B>{html.escape(name)}</B>")
    rows.append(html.escape(shape_text(t)))
    if show_values:
        rows.append(lines(describe(t.numpy(), max_shown)))
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows)
    if grad_text is not None:
        cell = "<TD>" if waiting else f'<TD BGCOLOR="{GRAD_ROW}">'
        colour = WAITING_COLOUR if waiting else GRAD_COLOUR
        cells += f'<TR>{cell}<FONT COLOR="{colour}">{lines(grad_text)}</FONT></TD></TR>'

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
    return f"<{lines(text)}>"


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


def lines(text: str) -> str:
    """Escape text for an HTML-like label and keep its line breaks."""
    return "<BR/>".join(html.escape(line) for line in text.split("\n"))
