"""From pictures to files: SVG or PNG through graphviz's `dot`, and DOT source.

`dot` is a system program (the `graphviz` Python package only calls it). Without it the
pictures can still be built and their DOT source read (`graph.source`); only rendering
fails, with an error that says how to install it. Every file is written atomically: a
temporary file in the same folder, then `os.replace`, so a failure never leaves half a file.
"""

from __future__ import annotations

from pathlib import Path

import graphviz

from ..files import write_atomically

FORMATS = ("svg", "png", "dot")  # what `render` writes; `pipe` also gives "json" (sizes)
INSTALL_DOT = ("graphviz's `dot` program was not found on PATH; install it "
               "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz). "
               "The picture's DOT source is still available as `graph.source`.")


def pipe(graph: graphviz.Digraph, format: str, caller: str = "render") -> bytes:
    """The picture rendered by `dot` in `format` ("svg" or "png"), as bytes."""
    try:
        return graph.pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(f"{caller}: {INSTALL_DOT}") from None


def to_svg(graph: graphviz.Digraph) -> str:
    """The picture as an SVG document (text).

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.viz import draw_graph
    >>> to_svg(draw_graph(tg.tensor(1.0, requires_grad=True) * 2)).startswith("<?xml")
    True
    """
    return pipe(graph, "svg", "to_svg").decode("utf-8")


def render(graph: graphviz.Digraph, path, format: str | None = None) -> Path:
    """Write the picture to `path` as SVG, PNG or DOT source (`format`, else the suffix).

    >>> import tinygrad_edu as tg, tempfile, os
    >>> from tinygrad_edu.viz import draw_graph
    >>> folder = tempfile.mkdtemp()
    >>> render(draw_graph(tg.tensor(1.0) * 2), os.path.join(folder, "x.svg")).name
    'x.svg'
    """
    path = Path(path)
    format = (format or path.suffix.lstrip(".")).lower()
    if format not in FORMATS:
        raise ValueError(f"render: cannot write {format!r} pictures (from {path.name!r}); "
                         f"use one of {', '.join(FORMATS)}")
    data = graph.source.encode("utf-8") if format == "dot" else pipe(graph, format)
    write_atomically(path, data, "render")
    return path
