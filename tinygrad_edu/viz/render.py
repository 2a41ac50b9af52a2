"""From pictures to files: SVG or PNG through graphviz's `dot`, DOT source, and a
self-contained HTML page that steps through backprop.

`dot` is a system program (the `graphviz` Python package only calls it). Without it the
pictures can still be built and their DOT source read (`graph.source`); only rendering
fails, with an error that says how to install it. Every file is written atomically: a
temporary file in the same folder, then `os.replace`, so a failure never leaves half a file.
"""

from __future__ import annotations

import html
from pathlib import Path

import graphviz

from ..files import write_atomically
from ..tensor import Tensor
from .draw import backward_frames

FORMATS = ("svg", "png", "dot")
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


def save_backprop_html(t: Tensor, path, params=None, gradient=None,
                       title: str = "Backprop, step by step", **options) -> Path:
    """One HTML file that steps through the backward pass of `t`: one frame per step as
    inline SVG, with previous / next buttons, a slider and the arrow keys. It needs
    nothing else (no scripts, fonts or styles from elsewhere). `options` go to
    `backward_frames` (e.g. `max_shown`, `legend`).

    >>> import tinygrad_edu as tg, tempfile, os
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> folder = tempfile.mkdtemp()
    >>> save_backprop_html((x * x).sum(), os.path.join(folder, "b.html")).suffix
    '.html'
    """
    frames = backward_frames(t, params, gradient, **options)
    if not frames:
        raise ValueError("save_backprop_html: the tensor is a leaf; its backward pass has "
                         "no step to show")
    divs = [_frame_div(pipe(frame, "svg", "save_backprop_html").decode("utf-8"),
                       frame.graph_attr["label"], first=number == 0)
            for number, frame in enumerate(frames)]
    page = _PAGE.format(title=html.escape(title), count=len(divs), frames="\n".join(divs),
                        script=_SCRIPT)
    path = Path(path)
    write_atomically(path, page.encode("utf-8"), "save_backprop_html")
    return path


def _frame_div(svg: str, caption: str, first: bool) -> str:
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and doctype: inline SVG needs none
    hidden = "" if first else " hidden"
    return f'<div class="frame" data-caption="{html.escape(caption)}"{hidden}>\n{svg}</div>'


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
#controls {{ position: sticky; top: 0; background: white; padding: 0.5em 0; }}
#caption {{ margin-left: 1em; }}
.frame svg {{ max-width: 100%; height: auto; }}
</style>
</head>
<body>
<h1>{title}</h1>
<div id="controls">
<button id="previous">&larr; previous</button>
<input id="slider" type="range" min="1" max="{count}" value="1">
<button id="next">next &rarr;</button>
<span id="caption"></span>
</div>
{frames}
<script>
{script}
</script>
</body>
</html>
"""

# Show one frame at a time; the buttons, the slider and the arrow keys choose which.
_SCRIPT = """const frames = document.querySelectorAll(".frame");
const slider = document.getElementById("slider");
const caption = document.getElementById("caption");
function show(n) {
  n = Math.max(1, Math.min(frames.length, n));
  frames.forEach((frame, i) => { frame.hidden = i !== n - 1; });
  slider.value = n;
  caption.textContent = frames[n - 1].dataset.caption;
}
document.getElementById("previous").onclick = () => show(Number(slider.value) - 1);
document.getElementById("next").onclick = () => show(Number(slider.value) + 1);
slider.oninput = () => show(Number(slider.value));
document.onkeydown = (event) => {
  if (event.key === "ArrowLeft") show(Number(slider.value) - 1);
  if (event.key === "ArrowRight") show(Number(slider.value) + 1);
};
show(1);"""
