"""Backprop you can step through: in a Jupyter notebook, or as a page of its own.

`step_through(loss)` draws one frame per step of the backward walk (see
`draw.backward_frames`: every frame has the same layout, so nothing moves but the gold
op and the gradients) and puts them behind previous / next buttons, a slider and the arrow
keys. In Jupyter the object displays itself (`_repr_html_`); `.save(path)` writes the
standalone page. Each display is self-contained, so a notebook can show any number:

- its script is one anonymous function that finds its own element by a fresh id, and
  declares no global name;
- its styles are scoped to that id (they change nothing outside it);
- its keys work while it has the focus (click it first), and each press moves one frame;
- pictures, script and styles are inline: it loads nothing from anywhere.

When a step's op, or a tensor it sends a gradient to, lies outside the scrolled area, the
frame scrolls to show them all (the op first, if they do not all fit), smoothly unless the
reader asked the system for less motion.
"""

from __future__ import annotations

import html
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path

from ..files import write_atomically
from ..tensor import Tensor
from .draw import HIDDEN, Frame, frames_of
from .render import pipe
from .walk import MAX_NODES

SVG_NS, XLINK_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)


class StepThrough:
    """The backward pass of a tensor, one frame per step; Jupyter displays it inline.

    >>> import tinygrad_edu as tg, tempfile, os
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    >>> steps = step_through((x * x).sum())
    >>> len(steps), steps.captions[1]
    (2, 'step 2 of 2: mul receives g of shape (2,) and sends #2.1 = g * y to x (its x), \
#2.2 = g * x to x (its y); x.grad = #2.1 + #2.2')
    >>> steps.save(os.path.join(tempfile.mkdtemp(), "steps.html")).suffix
    '.html'
    """

    def __init__(self, frames: list[Frame], title: str):
        self.title = title
        self.captions = [frame.caption for frame in frames]
        self.svgs = [_clean_svg(pipe(f.graph, "svg", "step_through").decode("utf-8"), f)
                     for f in frames]

    def __len__(self) -> int:
        return len(self.svgs)

    def html(self) -> str:
        """The element to embed in a page: controls, frames, scoped styles, its script."""
        uid = f"tg-step-{uuid.uuid4().hex[:12]}"  # fresh each time: one object, many displays
        frames = "\n".join(
            f'<div class="tg-frame" data-caption="{html.escape(caption)}"'
            f'{"" if number == 0 else " hidden"}>\n{svg}\n</div>'
            for number, (caption, svg) in enumerate(zip(self.captions, self.svgs)))
        return _WIDGET.format(uid=uid, count=len(self), frames=frames,
                              style=_STYLE.replace("ROOT", f"#{uid}"),
                              script=_SCRIPT.replace("ROOT", uid))

    def _repr_html_(self) -> str:
        return self.html()

    def save(self, path) -> Path:
        """Write the standalone page (one HTML file that needs nothing else) to `path`."""
        page = _PAGE.format(title=html.escape(self.title), widget=self.html())
        return write_atomically(Path(path), page.encode("utf-8"), "step_through.save")


def step_through(t: Tensor, params=None, gradient=None, *, title: str = "Backprop, step by step",
                 show_values: bool = True, rankdir: str = "BT", max_nodes: int = MAX_NODES,
                 max_shown: int = 20, legend: bool = True) -> StepThrough:
    """The backward pass of `t`, step by step, as an object Jupyter shows inline and that
    `.save(path)`s a standalone page. Arguments as for `draw_backward`; graphviz's `dot`
    draws the frames now, so a missing `dot` is reported here.

    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> "<script>" in step_through(x.exp().sum())._repr_html_()
    True
    """
    frames = frames_of(t, params, gradient, show_values, rankdir, max_nodes=max_nodes,
                       max_shown=max_shown, legend=legend, caller="step_through")
    if not frames:
        raise ValueError("step_through: the tensor is a leaf; its backward pass has no step "
                         "to show")
    return StepThrough(frames, title)


def _clean_svg(svg: str, frame: Frame) -> str:
    """dot's SVG made fit for a page holding many: no ids (they would repeat), each node
    marked with its key (`data-key`), the running op with class "active" and the tensors
    it sends gradients to with class "target", tooltips that name tensors instead of keys,
    and the text laid out but not shown yet taken out."""
    root = ET.fromstring(svg)
    for element in root.iter():
        element.attrib.pop("id", None)
    for group in root.iter(f"{{{SVG_NS}}}g"):
        title = group.find(f"{{{SVG_NS}}}title")
        if title is not None:
            group.remove(title)
        if group.get("class") == "node":
            group.set("data-key", title.text)
            role = {frame.active: " active", **dict.fromkeys(frame.targets, " target")}
            group.set("class", "node" + role.get(title.text, ""))
            group.insert(0, _title(frame.tooltips.get(title.text, "legend")))
    for parent in list(root.iter()):
        for text in [child for child in parent if child.get("fill") == HIDDEN]:
            parent.remove(text)
    return ET.tostring(root, encoding="unicode")


def _title(text: str) -> ET.Element:
    element = ET.Element(f"{{{SVG_NS}}}title")
    element.text = text
    return element


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 0.5em 1em; }}
h1 {{ font-size: 1.3em; margin: 0.2em 0; }}
</style>
</head>
<body>
<h1>{title}</h1>
{widget}
</body>
</html>
"""

_WIDGET = """<div class="tg-step" id="{uid}" tabindex="0">
<style>
{style}
</style>
<div class="tg-controls">
<button type="button" class="tg-previous">&larr; previous</button>
<input type="range" class="tg-slider" min="1" max="{count}" value="1" aria-label="step">
<button type="button" class="tg-next">next &rarr;</button>
<span class="tg-hint">or the arrow keys</span>
</div>
<div class="tg-caption" aria-live="polite"></div>
<div class="tg-frames">
{frames}
</div>
<script>
{script}
</script>
</div>"""

# Every selector starts at the element's own id: nothing outside it changes.
_STYLE = """ROOT { font-family: sans-serif; font-size: 14px; line-height: 1.4; color: #222; }
ROOT:focus-visible { outline: 2px solid #6b8fd6; }
ROOT .tg-controls { display: flex; gap: 0.5em; align-items: center; flex-wrap: wrap; }
ROOT .tg-hint { color: #777; font-size: 12px; }
ROOT .tg-caption { margin: 0.3em 0; min-height: 2.8em; font-family: monospace; }
ROOT .tg-frames { max-height: calc(100vh - 8em); overflow: auto; border: 1px solid #ddd; }
ROOT .tg-frame svg { display: block; max-width: none; height: auto; }"""

# One anonymous function per display: it declares no global name, finds its own element by
# id, and listens for keys on that element only (so two step-throughs never both move).
_SCRIPT = """(() => {
  const root = document.getElementById("ROOT");
  const frames = root.querySelectorAll(".tg-frame");
  const slider = root.querySelector(".tg-slider");
  const caption = root.querySelector(".tg-caption");
  const scroller = root.querySelector(".tg-frames");
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");
  // How far to scroll so that [low, high] (the op and the tensors it sends to) lies
  // inside [start, end]: 0 if it does already, else the least that shows it all, or, if
  // it cannot all be shown, enough to put the op (from `first`) at the start.
  const margin = 12;
  function offset(low, high, first, start, end) {
    if (low >= start && high <= end) return 0;
    if (high - low > end - start - 2 * margin) return first - start - margin;
    return low < start ? low - start - margin : high - end + margin;
  }
  function reveal(frame, page) {
    const node = frame.querySelector("g.active").getBoundingClientRect();
    const boxes = [...frame.querySelectorAll("g.active, g.target")]
      .map((g) => g.getBoundingClientRect());
    const view = scroller.getBoundingClientRect();
    const dx = offset(Math.min(...boxes.map((b) => b.left)),
                      Math.max(...boxes.map((b) => b.right)), node.left, view.left, view.right);
    const dy = offset(Math.min(...boxes.map((b) => b.top)),
                      Math.max(...boxes.map((b) => b.bottom)), node.top, view.top, view.bottom);
    const behavior = still.matches ? "auto" : "smooth";
    const inWindow = node.top - dy >= 0 && node.bottom - dy <= window.innerHeight &&
      node.left - dx >= 0 && node.right - dx <= window.innerWidth;
    if (page && !inWindow) {
      frame.querySelector("g.active").scrollIntoView({block: "center", inline: "center",
                                                      behavior});
    } else if (dx || dy) {
      scroller.scrollBy({left: dx, top: dy, behavior});
    }
  }
  function show(n, page) {
    n = Math.max(1, Math.min(frames.length, n));
    frames.forEach((frame, i) => { frame.hidden = i !== n - 1; });
    slider.value = n;
    caption.textContent = frames[n - 1].dataset.caption;
    reveal(frames[n - 1], page);
  }
  const step = (by) => show(Number(slider.value) + by, true);
  root.querySelector(".tg-previous").addEventListener("click", () => step(-1));
  root.querySelector(".tg-next").addEventListener("click", () => step(1));
  slider.addEventListener("input", () => show(Number(slider.value), true));
  const keys = {ArrowLeft: -1, ArrowRight: 1};  // up and down still scroll
  root.addEventListener("keydown", (event) => {
    if (!(event.key in keys)) return;
    event.stopPropagation();               // a notebook around it must not act on it too
    if (event.target === slider) return;   // the slider moves itself, and says so by "input"
    event.preventDefault();
    step(keys[event.key]);
  });
  show(1, false);
})();"""
