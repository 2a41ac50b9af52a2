"""`python -m models tour`: the article's five steps, one after another, on bundled data.

Each step's `run()` (see models/common.py for the contract) fits its models and returns
the article's figures beside ours; the tour times each one, shows its progress, prints
all the figures in one table and writes every step's pictures, plus a picture of
backprop through the article's network, into one folder (--out, default ./tour-output).

The data are all bundled or made up (iris, the 8x8 digits, the wages, the spirals), so
the tour needs no download; it takes well under a minute on two cores. Without
graphviz's `dot` program the backprop picture is written as DOT source, with a note on
how to render it.

    python -m models tour
    python -m models tour --out pictures --quick     # fewer epochs: a smoke test
"""

from __future__ import annotations

import argparse
import shutil
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from models import (
    cnn,
    common,
    graph,
    linear_regression,
    logistic_regression,
    mlp,
    softmax_regression,
)
from tinygrad_edu import viz

DEFAULT_OUT = Path("tour-output")
RENDER_HINT = ("graphviz's `dot` program is not installed, so the backprop graphs were "
               "written as DOT source only: {files}. To render them, install it "
               "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz), then "
               "run the tour again, or: {commands}")


def backprop_graph(out: Path) -> dict:
    """The article's network (models/graph.py's 4-5-3 example) after one backward pass:
    the forward graph with its gradients and the numbered backward pass, as SVG when
    `dot` is installed, always as DOT source. "notes" says how to render a missing SVG."""
    loss, model = graph.mlp_example()
    loss.backward(retain_graph=True)  # keep the graph: a freed one cannot be drawn
    out.mkdir(parents=True, exist_ok=True)
    pictures, notes = [], []
    for name, picture in (("mlp-graph", viz.draw_graph(loss, model)),
                          ("mlp-backward", viz.draw_backward(loss, model))):
        pictures.append(viz.render(picture, out / f"{name}.dot"))
        if shutil.which("dot"):
            pictures.append(viz.render(picture, out / f"{name}.svg"))
    if not shutil.which("dot"):
        dots = [p for p in pictures if p.suffix == ".dot"]
        notes.append(RENDER_HINT.format(files=", ".join(map(str, dots)),
                                        commands="; ".join(f"dot -Tsvg {p} -o "
                                                           f"{p.with_suffix('.svg')}"
                                                           for p in dots)))
    figures = [common.Comparison("backprop graph of a 4-5-3 network", None,
                                 f"{len(pictures)} files", "tinygrad_edu.viz")]
    return {"figures": figures, "pictures": pictures, "notes": notes}


def stages(quick: bool,
           compile: bool = False) -> list[tuple[str, Callable[[Path], dict]]]:
    """(step, run) for each stage of the tour; `quick` cuts iterations and epochs;
    `compile` trains the networks of steps 4 and 5 under `tg.compile`."""
    few = (lambda full, small: small) if quick else (lambda full, small: full)
    return [
        ("1 linear regression", lambda out: linear_regression.run(out)),
        ("2 logistic regression", lambda out: logistic_regression.run(
            out, iterations=few(10_000, 500))),
        ("3 softmax regression", lambda out: softmax_regression.run(out)),
        ("4 network: iris", lambda out: mlp.run(out, dataset="iris", epochs=few(None, 5),
                                                compile=compile)),
        ("4 network: digits", lambda out: mlp.run(out, dataset="digits",
                                                  epochs=few(None, 2), compile=compile)),
        ("4 network: spirals", lambda out: mlp.run(out, dataset="spirals",
                                                   epochs=few(None, 5), compile=compile)),
        ("4 backprop graph", backprop_graph),
        ("5 convolution", lambda out: cnn.run(out, dataset="digits", epochs=few(None, 1),
                                              compile=compile)),
    ]


def run(out: str | Path = DEFAULT_OUT, quick: bool = False, progress: bool = True,
        compile: bool = False) -> dict:
    """Run every stage; return "rows" (step, Comparison, seconds or None), "pictures",
    "notes" (e.g. how to render without `dot`) and "seconds" (the whole tour)."""
    out, start = Path(out), time.perf_counter()
    rows, pictures, notes = [], [], []
    bar = tqdm(stages(quick, compile), desc="tour", unit="step", disable=not progress)
    for step, run_stage in bar:
        bar.set_description(f"tour: {step}")
        began = time.perf_counter()
        result = run_stage(out)
        seconds = time.perf_counter() - began
        rows += [(step, figure, seconds if i == 0 else None)
                 for i, figure in enumerate(result["figures"])]
        pictures += result["pictures"]
        notes += result.get("notes", [])
    return {"rows": rows, "pictures": pictures, "notes": notes,
            "seconds": time.perf_counter() - start}


def tour_table(rows: list[tuple[str, common.Comparison, float | None]],
               width: int = 100) -> str:
    """One table that fits `width` columns: each step on a line of its own with the time it
    took, then its figures (the article's number and ours), each with the number of its
    note (what differs from the article's setting); the notes follow the table."""
    cell = common.format_cell  # the number format of common.comparison_table
    notes: list[str] = []
    for _, figure, _ in rows:
        if figure.note and figure.note not in notes:
            notes.append(figure.note)
    table = [(f.name, cell(f.article), cell(f.ours),
              f"[{notes.index(f.note) + 1}]" if f.note else "") for _, f, _ in rows]
    widths = [max(len(row[i]) for row in [("figure", "article", "ours", "")] + table)
              for i in range(3)]
    line = "  {:<{}}  {:>{}}  {:>{}}  {}"
    lines = [line.format("figure", widths[0], "article", widths[1], "ours", widths[2],
                         "note").rstrip()]
    for (step, _, seconds), (name, article, ours, mark) in zip(rows, table, strict=True):
        if seconds is not None:
            lines.append(f"{step} ({seconds:.1f} s)")
        lines.append(line.format(name, widths[0], article, widths[1], ours, widths[2],
                                 mark).rstrip())
    lines.append("")
    lines += [textwrap.fill(f"[{number}] {note}", width, subsequent_indent="    ")
              for number, note in enumerate(notes, 1)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m models tour", description="Run the article's five steps on bundled "
        "data and print its figures beside ours, with the time each step took.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the pictures (created if missing)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer iterations and epochs (a smoke test; weaker figures)")
    common.add_training_options(parser)
    args = parser.parse_args(argv)
    with common.training_options(args):
        result = run(args.out, args.quick, progress=not args.no_progress,
                     compile=args.compile)
    print(tour_table(result["rows"]))
    print("\n" + textwrap.fill(f"the tour took {result['seconds']:.1f} s; "
                               f"{len(result['pictures'])} pictures in {args.out}/: "
                               + ", ".join(p.name for p in result["pictures"]), 100))
    for note in result["notes"]:
        print("\n" + textwrap.fill(note, 100, break_long_words=False, break_on_hyphens=False))
    return 0
