"""The notebooks in docs/notebooks: made from their pages, committed with outputs, executed.

The pages docs/0N-*.md are the source (docs/README.md); `python -m docs.notebooks.build`
makes each notebook from its page and executes it. These tests fail when

- a notebook no longer matches its page (a page was edited and its notebook not rebuilt),
- a committed notebook breaks the rules for outputs (timing cells, sizes, paths),
- executing a notebook from a clean kernel raises, or prints other text than it committed
  (a change to the code changed a printed figure: rebuild the notebook and commit it).

The last test is where CI executes the notebooks, once: `.ci/run` runs no other copy.
"""

from __future__ import annotations

import copy
import re

import nbformat
import pytest

from docs.notebooks.build import (
    ADDRESS,
    NOTEBOOKS,
    TIMING,
    execute,
    from_page,
    notebook_path,
    pages,
)

MAX_BYTES = 2_000_000
# an absolute path of this machine: a Unix home, temp or root folder, or a Windows drive
ABSOLUTE_PATH = re.compile(r"(/(home|root|tmp|usr|work|Users)/|\b[A-Za-z]:\\[\w.])")


def _read(page):
    return nbformat.read(notebook_path(page), as_version=4)


def _cells(notebook) -> list[tuple]:
    """What a notebook says, outputs aside: each cell's type, source, tags and attachments."""
    return [(cell.cell_type, cell.source, cell.metadata.get("tags", []),
             cell.get("attachments", {})) for cell in notebook.cells]


def _text_outputs(notebook) -> list[list[tuple]]:
    """Per code cell outside the timing tag: the text of each output (what it printed, and
    the plain-text form of each displayed value), with the kinds of pictures shown."""
    cells = [cell for cell in notebook.cells
             if cell.cell_type == "code" and TIMING not in cell.metadata.get("tags", [])]
    return [[(output.output_type, output.get("name"), output.get("text"),
              ADDRESS.sub("", output.get("data", {}).get("text/plain", "")),
              sorted(output.get("data", {}))) for output in cell.outputs] for cell in cells]


def test_every_page_has_its_notebook_and_no_notebook_is_orphaned():
    assert [page.name for page in pages()][:6] == [
        "00-autodiff.md", "01-linear-regression.md", "02-logistic-regression.md",
        "03-softmax-regression.md", "04-neural-network.md", "05-cnn.md"]
    expected = {notebook_path(page).name for page in pages()}
    assert {path.name for path in NOTEBOOKS.glob("*.ipynb")} == expected


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_notebook_matches_its_page(page):
    assert _cells(_read(page)) == _cells(from_page(page)), (
        f"{notebook_path(page).name} differs from {page.name}: "
        f"run `python -m docs.notebooks.build {page.name[:2]}` and commit both")


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_committed_outputs_follow_the_rules(page):
    path = notebook_path(page)
    notebook = _read(page)
    assert path.stat().st_size < MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        if TIMING in cell.metadata.get("tags", []):
            assert cell.outputs == [], f"{path.name}: code cell {number} prints a time"
        else:
            assert cell.execution_count == number + 1, f"{path.name}: cell {number} not run"
        assert not any(output.output_type == "error" for output in cell.outputs)
    texts = [text for output in (output for cell in code for output in cell.outputs)
             for text in [output.get("text", ""), *output.get("data", {}).values()]
             if isinstance(text, str) and not text.startswith("iVBOR")]  # not a base64 PNG
    found = [ABSOLUTE_PATH.search(text)[0] for text in texts if ABSOLUTE_PATH.search(text)]
    assert not found, f"{path.name}: absolute paths in the outputs: {found}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.stem)
def test_notebook_executes_and_prints_what_it_committed(page):
    committed = _read(page)
    executed = execute(copy.deepcopy(committed))  # a clean kernel; raises if a cell fails
    assert _text_outputs(executed) == _text_outputs(committed), (
        f"{notebook_path(page).name} prints other text than it committed: if the change is "
        f"meant, run `python -m docs.notebooks.build {page.name[:2]}` and commit it")

