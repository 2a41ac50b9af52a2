"""Make the notebooks in this folder from the pages docs/0N-*.md, and execute them.

    python -m docs.notebooks.build          # every notebook: cells from its page, executed
    python -m docs.notebooks.build 02 05    # only the notebooks whose names start so

(from the root of the checkout, with `pip install -e '.[notebooks]'` done). The pages are
the source: edit a page, then run this and commit the page and its notebook together.

A notebook is its page, read by jupytext (the text becomes markdown cells, each ```python
block a code cell, ```python tags=["timing"] a tagged one; ```bash blocks stay text), with:

- a first code cell that puts the checkout's root first on `sys.path`, since Jupyter runs a
  notebook in its own folder: `models` (the article's steps) and the checkout's own
  tinygrad_edu are then the ones imported; and that makes graphviz pictures PNG, since
  Jupyter shows the SVG outputs of a notebook only once the reader trusts it;
- the page's pictures from docs/img/ embedded in their cells as attachments, so they show
  in Jupyter and on a code host without the files beside the notebook (PNG only:
  JupyterLab shows no SVG attachment);
- links to other pages (`visualisation.md`) pointing one folder up (`../visualisation.md`).

The notebook is then executed from a clean kernel in this folder and written with its
outputs, except those of cells tagged "timing" (they print times, which change on every
run). tests/test_notebooks.py fails when a notebook no longer matches its page, or when
executing it no longer prints what it committed.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from tinygrad_edu.files import write_atomically

NOTEBOOKS = Path(__file__).resolve().parent
# OpenBLAS picks its matrix kernels by CPU, and kernels sum in different orders. Most figures
# agree to the last printed digit either way, but the article's sigmoid network at learning
# rate 3 amplifies last-bit differences: on digits, seed 0 ends at 0.983 test accuracy with
# the AVX2 ("Haswell") kernel and 0.980 with the AVX-512 one. The committed outputs come from
# the AVX2 kernel, which every x86-64 CPU with AVX2 runs, so that they reproduce on any of them.
BLAS_KERNEL = {"OPENBLAS_CORETYPE": "Haswell"}
DOCS = NOTEBOOKS.parent
TIMING = "timing"  # the tag of a cell whose output is a time: not committed, not compared
SETUP = ("import sys\n"
         "from pathlib import Path\n"
         "\n"
         "import graphviz\n"
         "\n"
         "# Graph pictures as PNG: Jupyter shows no SVG output of a notebook it does not trust\n"
         "graphviz.set_jupyter_format(\"png\")\n"
         "# Jupyter runs a notebook in its own folder (docs/notebooks): put the checkout's root\n"
         "# first on the path, so that `models` and the checkout's tinygrad_edu are imported.\n"
         "sys.path.insert(0, str(Path.cwd().parents[1]))")
PICTURE = re.compile(r"\]\(img/([^)\s]+)\)")  # ![alt](img/name.png) in a page
PAGE_LINK = re.compile(r"\]\(([\w.-]+\.md(#[^)\s]*)?)\)")  # [text](visualisation.md#part)
ADDRESS = re.compile(r" at 0x[0-9a-f]+")  # <graphviz.graphs.Digraph at 0x7f...>: changes per run


def pages() -> list[Path]:
    """The pages that have a notebook: docs/00-*.md to docs/09-*.md."""
    return sorted(DOCS.glob("0[0-9]-*.md"))


def notebook_path(page: Path) -> Path:
    """Where the notebook of `page` lives: docs/notebooks/<page name>.ipynb."""
    return NOTEBOOKS / f"{page.stem}.ipynb"


def from_page(page: Path) -> nbformat.NotebookNode:
    """The notebook of `page`, without outputs: the setup cell, then the page's cells."""
    cells = [nbformat.v4.new_code_cell(SETUP)]
    for kind, source, tags in _page_cells(page):
        if kind == "code":
            cells.append(nbformat.v4.new_code_cell(source))
        else:
            cells.append(_markdown_with_pictures(source))
        if tags:
            cells[-1].metadata["tags"] = tags
    for number, cell in enumerate(cells):
        cell.id = f"cell-{number:02d}"  # stable ids: a rebuild changes nothing it need not
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                        "language": "python"},
                         "language_info": {"name": "python"}}
    return notebook


def _page_cells(page: Path) -> list[tuple[str, str, list[str]]]:
    """The page as (kind, source, tags) cells: its ```python blocks are code, the rest text.

    jupytext makes a ```bash block a `%%bash` code cell; a page's shell commands are for
    a terminal, not for running here, so they go back into the text around them."""
    cells: list[tuple[str, str, list[str]]] = []
    for cell in jupytext.reads(page.read_text(), fmt="md").cells:
        kind, source = cell.cell_type, cell.source
        if kind == "code" and source.startswith("%%"):
            language, _, body = source[2:].partition("\n")
            kind, source = "markdown", f"```{language}\n{body}\n```"
        if kind == "markdown" and cells and cells[-1][0] == "markdown":
            kind, source = "markdown", f"{cells.pop()[1]}\n\n{source}"
        cells.append((kind, source, list(cell.metadata.get("tags", []))))
    return cells


def _markdown_with_pictures(source: str) -> nbformat.NotebookNode:
    """A markdown cell whose pictures from docs/img/ travel with it as attachments, and
    whose links to other pages point from docs/notebooks/ to docs/."""
    names = PICTURE.findall(source)
    for name in names:
        if not name.endswith(".png"):  # JupyterLab shows PNG attachments, not SVG ones
            raise ValueError(f"notebooks.build: a page shows img/{name}; a notebook can carry "
                             f"only PNG pictures: draw it as a PNG")
    source = PAGE_LINK.sub(r"](../\1)", PICTURE.sub(r"](attachment:\1)", source))
    cell = nbformat.v4.new_markdown_cell(source)
    if names:
        cell.attachments = {name: {"image/png": base64.b64encode(
            (DOCS / "img" / name).read_bytes()).decode("ascii")} for name in names}
    return cell


def execute(notebook: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel (the `python3` of this Python) in docs/notebooks;
    a cell that raises stops it with nbclient's CellExecutionError."""
    client = NotebookClient(notebook, kernel_name="python3", timeout=timeout,
                            record_timing=False, coalesce_streams=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute(env={**os.environ, **BLAS_KERNEL})
    return scrub(notebook)


def scrub(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What may not be committed: the outputs of timing cells, object addresses."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if TIMING in cell.metadata.get("tags", []):
            cell.outputs, cell.execution_count = [], None
        for output in cell.outputs:
            text = output.get("data", {}).get("text/plain")
            if text is not None:
                output.data["text/plain"] = ADDRESS.sub("", text)
    return notebook


def build(page: Path) -> Path:
    """Make the notebook of `page`, execute it and write it; returns its path."""
    notebook = execute(from_page(page))
    path = notebook_path(page)
    write_atomically(path, nbformat.writes(notebook).encode() + b"\n", "notebooks.build")
    return path


def main(argv: list[str]) -> int:
    chosen = [page for page in pages() if not argv or page.name.startswith(tuple(argv))]
    for page in chosen:
        print(f"{page.name} -> {build(page).relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
