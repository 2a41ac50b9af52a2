"""Pictures of backprop: the graph behind a tensor, its gradients, each backward step.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu import viz
>>> w = tg.tensor([0.5, -1.0], requires_grad=True, name="w")
>>> loss = (w * w).sum()
>>> loss.backward(retain_graph=True)        # keep the graph: a freed one cannot be drawn
>>> picture = viz.draw_graph(loss)           # a graphviz.Digraph; Jupyter shows it
>>> len(viz.backward_frames(loss))          # one picture per backward step: sum, mul
2

`render(picture, "loss.svg")` writes SVG, PNG or DOT by the file's suffix (SVG and PNG need
graphviz's `dot` program). `step_through(loss)` shows the backward pass step by step, inline
in Jupyter, and `.save("loss.html")` writes it as a page of its own.
docs/visualisation.md shows how to read the pictures.
"""

from .backward import Step, backward_steps, gradient_numbers, total_gradients, vjp_formula
from .draw import backward_frames, draw_backward, draw_graph
from .render import render, to_svg
from .stepthrough import StepThrough, step_through
from .walk import MAX_NODES, Walk, walk_graph

__all__ = [
    "MAX_NODES", "Step", "StepThrough", "Walk", "backward_frames", "backward_steps",
    "draw_backward", "draw_graph", "gradient_numbers", "render", "step_through", "to_svg",
    "total_gradients", "vjp_formula", "walk_graph",
]
