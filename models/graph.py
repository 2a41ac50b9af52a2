"""`python -m models graph <example> --out FILE`: draw the backprop graph of an example.

The file's suffix chooses the output: .svg or .png (a picture, drawn by graphviz's `dot`),
.dot (the picture's DOT source), .html (a page that steps through the backward pass).
Each example computes its loss, runs one `backward(retain_graph=True)` (keeping the graph
for the picture) and draws it:

  expression  sum(sigmoid(a * b + c)): a first, small picture
  logistic    step 2: binary cross entropy of sigmoid(X @ beta) on six iris rows
  softmax     step 3: cross entropy of softmax(X @ W + b); at the logits the gradient is (a - y)/n
  mlp         step 4: a 4-5-3 network, sigmoid hidden layer, softmax read-out, cross entropy

`--view backward` draws the backward pass instead of the forward graph: the output on top,
arrows pointing back, each labelled `#k.i = formula` (the i-th gradient sent at step k of
the walk, and the VJP that computed it). The forward graph is drawn top to bottom, the
backward pass and the .html page bottom to top (the walk starts at the top).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import viz

# A few rows of iris, so that the pictures stay small: 0-based rows 50-52 (versicolor),
# 100-102 (virginica), then 0 (setosa) and 53 (versicolor). Columns: sepal length, sepal
# width, petal length, petal width; classes 0 setosa, 1 versicolor, 2 virginica.
ROWS = [50, 51, 52, 100, 101, 102, 0, 53]


def iris_rows() -> tuple[np.ndarray, np.ndarray]:
    """The features and classes of the rows above."""
    iris = tg.data.load_iris()
    return iris.data[ROWS], iris.target[ROWS]


SUFFIXES = (".svg", ".png", ".dot", ".html")


def expression_example() -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    """A first picture: sum(sigmoid(a * b + c)), with c broadcast over the rows of a * b."""
    tg.manual_seed(0)
    params = {"a": tg.randn(2, 3).requires_grad_(), "c": tg.randn(3).requires_grad_()}
    b = tg.tensor([[1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]], name="b")
    loss = (params["a"] * b + params["c"]).sigmoid().sum()
    return loss, params


def logistic_example() -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    """The article's step 2: versicolor (0) or virginica (1) from sepal and petal length,
    divided by their common maximum, with a column of ones for the intercept."""
    features, classes = iris_rows()
    lengths = features[:6][:, [0, 2]]
    X = tg.tensor(np.column_stack([np.ones(6), lengths / lengths.max()]), tg.float32, name="X")
    y = tg.tensor(classes[:6] == 2, tg.float32, name="y")
    beta = tg.ones(3, requires_grad=True)  # the article starts gradient descent at 1
    p = (X @ beta).sigmoid()
    p.name = "p = sigmoid(X beta)"
    loss = F.binary_cross_entropy(p, y)
    loss.name = "loss"
    return loss, {"beta": beta}


def _init(*shape: int) -> tg.Tensor:
    """A parameter drawn from N(0, 1) (the article's initialisation), seeded by the caller."""
    return tg.randn(*shape).requires_grad_()


def _scaled_rows(rows: slice) -> tuple[tg.Tensor, tg.Tensor]:
    """Features divided by their maximum (far from 0 the sigmoid is flat) and one-hot y."""
    features, classes = iris_rows()
    X = features[rows] / features.max()
    y = np.eye(3)[classes[rows]]
    return tg.tensor(X, tg.float32, name="X"), tg.tensor(y, tg.float32, name="y")


def softmax_example() -> tuple[tg.Tensor, dict[str, tg.Tensor]]:
    """The article's step 3 on two rows: the gradient arriving at the logits is (a - y)/2."""
    tg.manual_seed(0)
    X, y = _scaled_rows(slice(5, 7))
    W, b = _init(4, 3), _init(3)
    logits = X @ W + b
    logits.name = "logits z"
    loss = F.cross_entropy(logits, y)
    loss.name = "loss"
    return loss, {"W": W, "b": b}


class Network(tg.nn.Module):
    """The article's step 4: logistic regressions stacked, a sigmoid hidden layer and a
    linear read-out whose softmax the cross entropy takes."""

    def __init__(self, inputs: int, hidden: int, classes: int):
        super().__init__()
        self.hidden = tg.nn.Linear(inputs, hidden)
        self.output = tg.nn.Linear(hidden, classes)

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.output(self.hidden(x).sigmoid())


def mlp_example() -> tuple[tg.Tensor, Network]:
    """The article's network on four rows, 4 inputs, 5 hidden units, 3 classes; the
    parameters are named by the module (`hidden.weight`, ...)."""
    tg.manual_seed(0)
    X, y = _scaled_rows(slice(4, 8))
    model = Network(4, 5, 3)
    logits = model(X)
    logits.name = "logits z"
    loss = F.cross_entropy(logits, y)
    loss.name = "loss"
    return loss, model


EXAMPLES = {"expression": expression_example, "logistic": logistic_example,
            "softmax": softmax_example, "mlp": mlp_example}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m models graph", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="e.g. python -m models graph logistic --out docs/img/logistic.svg")
    parser.add_argument("example", choices=list(EXAMPLES), help="what to draw")
    parser.add_argument("--out", required=True, type=Path,
                        help=f"the file to write; its suffix is one of {', '.join(SUFFIXES)}")
    parser.add_argument("--view", choices=["graph", "backward"], default="graph",
                        help="svg/png/dot: the forward graph with gradients (default) or "
                             "the numbered backward pass")
    parser.add_argument("--rankdir", choices=["TB", "BT", "LR"], default=None,
                        help="the direction the graph grows: top to bottom, bottom to top "
                             "or left to right (default: TB for the graph, BT for the "
                             "backward pass and the page)")
    args = parser.parse_args(argv)
    suffix = args.out.suffix.lower()
    if suffix not in SUFFIXES:
        parser.error(f"--out {args.out}: unknown suffix {suffix!r}; use one of "
                     f"{', '.join(SUFFIXES)}")
    loss, params = EXAMPLES[args.example]()
    loss.backward(retain_graph=True)  # one backward, keeping the graph so it can be drawn
    direction = {"rankdir": args.rankdir} if args.rankdir else {}
    if suffix == ".html":
        viz.step_through(loss, params, title=f"Backprop through the {args.example} example",
                         **direction).save(args.out)
    elif args.view == "graph":
        viz.render(viz.draw_graph(loss, params, **direction), args.out)
    else:
        viz.render(viz.draw_backward(loss, params, **direction), args.out)
    print(f"wrote {args.out}")
    return 0
