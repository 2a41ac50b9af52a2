"""The code in the docs runs: every ```python block of a page of docs/*.md, in order, in one
namespace, and every docstring example (`>>>`) of the package's modules.

A block whose first line is `# not run` is skipped (for code that needs a display or a
large download); use it sparingly. The pages of the article's steps (docs/0N-*.md) are not
run here: each is a notebook too, and tests/test_notebooks.py executes it as one.
"""

import doctest
import importlib
import pkgutil
import re
from pathlib import Path

import matplotlib
import pytest

import tinygrad_edu
from docs.notebooks.build import pages as notebook_pages
from tinygrad_edu import denormals

matplotlib.use("Agg")

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def pages():
    """The pages whose code runs here: all but those executed as notebooks."""
    return sorted(set(DOCS.glob("*.md")) - set(notebook_pages()))


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_doc_page_code_runs(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = [b for b in BLOCK.findall(page.read_text()) if not b.startswith("# not run")]
    namespace = {"__name__": f"docs_{page.stem}"}
    for number, block in enumerate(blocks, 1):
        try:
            exec(compile(block, f"{page.name} block {number}", "exec"), namespace)
        except Exception as error:
            raise AssertionError(f"{page.name}, python block {number} failed: {error!r}\n"
                                 f"{block}") from error


MODULES = sorted(info.name for info in pkgutil.walk_packages(tinygrad_edu.__path__,
                                                              "tinygrad_edu."))


@pytest.mark.parametrize("name", ["tinygrad_edu", *MODULES])
def test_docstring_examples_run(name):
    if name == "tinygrad_edu.denormals" and not denormals.set_flush_denormal(False):
        pytest.skip("its examples flush denormals, which needs glibc's fenv on Linux")
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_walk_finds_the_modules_of_subpackages():
    assert {"tinygrad_edu.compile", "tinygrad_edu.nn.functional", "tinygrad_edu.optim.algorithms",
            "tinygrad_edu.utils.data.dataloader", "tinygrad_edu.viz.stepthrough"} <= set(MODULES)
