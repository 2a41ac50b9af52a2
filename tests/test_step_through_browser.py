"""The step-through in a real browser: headless Chromium, driven as a reader drives it.

For every frame reached by the buttons, the keys (on the step-through and on its slider)
and clicks along the slider, the tests check that exactly one frame shows, with its
caption once; that the running op's box lies inside the window and inside the scrolled
area, and so do the tensors it sends gradients to where there is room for them all; that
the buttons are still in the window; and that every node sits where it sat in
frame 1. After each page: no console error or warning, no exception, no request for
anything but the page itself. Three pages: the standalone page of `python -m models
graph`, a document holding two inline step-throughs (they must not disturb each other or
the document's own styles), and a notebook with two step-throughs executed by nbclient and
exported to HTML by nbconvert.

Chromium comes from Debian's `chromium` package, the notebook tools from the `notebooks`
extra (.ci/run installs both). Without them the tests skip and say why, except under CI,
where a missing tool is a failure. On a failure the
page's screenshot is saved in test-output/ (see `chromium.screenshot_folder`).
"""

from __future__ import annotations

import importlib
import os
import time
from contextlib import contextmanager
from pathlib import Path

import chromium
import pytest

import tinygrad_edu as tg
from models import graph as graph_command

ROOT = Path(__file__).resolve().parent.parent

# Everything the assertions need about step-through number `index` of the page, in one call.
INSPECT = """((index) => {
  const root = document.querySelectorAll(".tg-step")[index];
  const frames = [...root.querySelectorAll(".tg-frame")];
  const shown = frames.filter((f) => !f.hidden);
  const frame = shown[0];
  const svg = frame.querySelector("svg").getBoundingClientRect();
  const rect = (r) => [r.left, r.top, r.right, r.bottom];
  const nodes = {};
  frame.querySelectorAll("g.node").forEach((g) => {
    const r = g.getBoundingClientRect();
    nodes[g.dataset.key] = [(r.left + r.right) / 2 - svg.left, (r.top + r.bottom) / 2 - svg.top];
  });
  const caption = root.querySelector(".tg-caption").textContent;
  return {
    shown: shown.length, frame: frames.indexOf(frame) + 1, count: frames.length,
    slider: Number(root.querySelector(".tg-slider").value), caption,
    caption_count: root.innerText.split(caption).length - 1,
    active: rect(frame.querySelector("g.active").getBoundingClientRect()),
    targets: [...frame.querySelectorAll("g.target")].map((g) => rect(g.getBoundingClientRect())),
    scroller: rect(root.querySelector(".tg-frames").getBoundingClientRect()),
    buttons: [...root.querySelectorAll("button")].map((b) => rect(b.getBoundingClientRect())),
    slider_box: rect(root.querySelector(".tg-slider").getBoundingClientRect()),
    window: [0, 0, window.innerWidth, window.innerHeight], nodes,
    scrolled: [root.querySelector(".tg-frames").scrollLeft,
      root.querySelector(".tg-frames").scrollTop, window.scrollX, window.scrollY],
    smallest_text: Math.min(...[...frame.querySelectorAll("text")].map(
      (t) => t.getBoundingClientRect().height)),
  };
})(%d)"""


def missing(reason: str) -> None:
    """Skip for want of a tool, except under CI (.ci/run sets TG_BROWSER_TESTS=required),
    which must install every one."""
    if os.environ.get("CI") or os.environ.get("TG_BROWSER_TESTS") == "required":
        pytest.fail(f"CI must run the browser tests, but {reason}")
    pytest.skip(reason)


def require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError:
        missing(f"{module} is not installed (pip install -e '.[notebooks]')")


@pytest.fixture(scope="module")
def browser():
    path = chromium.find()
    if path is None:
        missing("chromium is not installed (Debian/Ubuntu: apt-get install chromium; "
                ".ci/run installs it)")
    browser = chromium.Browser(path)
    yield browser
    browser.close()


@contextmanager
def screenshot_on_failure(browser, name: str):
    try:
        yield
    except AssertionError as error:
        shot = browser.screenshot(chromium.screenshot_folder() / f"failure-{name}.png")
        raise AssertionError(f"{error}\n(screenshot of the page: {shot})") from error


def inside(box, area, slack: float = 1.0) -> bool:
    return (box[0] >= area[0] - slack and box[1] >= area[1] - slack
            and box[2] <= area[2] + slack and box[3] <= area[3] + slack)


class Driver:
    """Drives step-through `index` of the open page and checks every frame it reaches."""

    def __init__(self, browser, index: int):
        self.browser, self.index = browser, index
        self.scroll_to()
        self.first = self.state()
        self.count = self.first["count"]
        self.check(self.first, 1)
        # the pictures are shown at their size, not shrunk to fit: text stays readable
        assert self.first["smallest_text"] >= 9, self.first["smallest_text"]

    def scroll_to(self) -> None:
        """Scroll the page to the step-through, as a reader does before using it."""
        self.browser.evaluate(f'document.querySelectorAll(".tg-step")[{self.index}]'
                              f'.scrollIntoView({{block: "start"}})')

    def state(self) -> dict:
        return self.browser.evaluate(INSPECT % self.index)

    def check(self, state: dict, expected: int) -> dict:
        where = f"step-through {self.index + 1}, frame {expected}"
        assert state["shown"] == 1, f"{where}: {state['shown']} frames shown"
        assert state["frame"] == state["slider"] == expected, (
            f"{where}: frame {state['frame']} shown, slider at {state['slider']}")
        assert state["caption"].startswith(f"step {expected} of {self.count}:"), where
        assert state["caption_count"] == 1, f"{where}: the caption shows {state['caption_count']}x"
        assert inside(state["active"], state["window"]), (
            f"{where}: the running op {state['active']} is outside the window")
        assert inside(state["active"], state["scroller"]), (
            f"{where}: the running op {state['active']} is outside the scrolled area "
            f"{state['scroller']}")
        boxes = [state["active"], *state["targets"]]
        union = [min(b[0] for b in boxes), min(b[1] for b in boxes),
                 max(b[2] for b in boxes), max(b[3] for b in boxes)]
        view = state["scroller"]
        if union[2] - union[0] < view[2] - view[0] - 24 and \
                union[3] - union[1] < view[3] - view[1] - 24:
            assert inside(union, view), (  # room for them all: the op and where it sends
                f"{where}: the tensors the op sends gradients to are not all in view")
        for button in state["buttons"]:
            assert inside(button, state["window"]), f"{where}: a button left the window"
        assert state["nodes"].keys() == self.first["nodes"].keys(), where
        for key, (x, y) in state["nodes"].items():
            x1, y1 = self.first["nodes"][key]
            assert abs(x - x1) < 0.5 and abs(y - y1) < 0.5, (
                f"{where}: node {key} moved from {(x1, y1)} to {(x, y)}")
        return state

    def settled(self) -> dict:
        """The state once smooth scrolling has stopped (two reads 0.1 s apart agree)."""
        state = self.state()
        for _ in range(50):
            time.sleep(0.1)
            state, before = self.state(), state
            if state["scrolled"] == before["scrolled"]:
                break
        return state

    def click(self, box) -> None:
        self.browser.click((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)

    def by_buttons(self, on_frame=None) -> None:
        """next from frame 1 to the last, then previous back to frame 1."""
        for frame in range(2, self.count + 1):
            self.click(self.state()["buttons"][1])
            state = self.check(self.state(), frame)
            if on_frame:
                on_frame(frame, state)
        for frame in range(self.count - 1, 0, -1):
            self.click(self.state()["buttons"][0])
            self.check(self.state(), frame)

    def by_keys(self) -> None:
        """Arrow keys with the step-through focused, then with its slider focused: each
        press moves one frame, whichever has the focus."""
        self.browser.evaluate(f'document.querySelectorAll(".tg-step")[{self.index}].focus()')
        for frame in range(2, self.count + 1):
            self.browser.key("ArrowRight")
            self.check(self.state(), frame)
        self.browser.evaluate(f'document.querySelectorAll(".tg-step")[{self.index}]'
                              f'.querySelector(".tg-slider").focus()')
        for frame in range(self.count - 1, 0, -1):
            self.browser.key("ArrowLeft")
            self.check(self.state(), frame)

    def slide_to(self, frame: int) -> None:
        """A click on the slider's track at the frame's place."""
        left, top, right, bottom = self.state()["slider_box"]
        thumb = 16  # Chromium's range thumb: values run from its half-width on either side
        x = left + thumb / 2 + (frame - 1) / (self.count - 1) * (right - left - thumb)
        self.browser.click(x, (top + bottom) / 2)

    def by_slider(self) -> None:
        """The slider moved by a click, to each frame, last to first."""
        for frame in range(self.count, 0, -1):
            self.slide_to(frame)
            self.check(self.state(), frame)

    def everything(self, on_frame=None) -> None:
        self.scroll_to()
        self.by_buttons(on_frame)
        self.by_keys()
        self.by_slider()


def test_the_standalone_page_in_a_browser(browser, tmp_path):
    page = tmp_path / "mlp.html"
    graph_command.main(["mlp", "--out", str(page)])
    browser.open(page)
    shots = chromium.screenshot_folder()
    with screenshot_on_failure(browser, "standalone"):
        driver = Driver(browser, 0)
        assert driver.count == 9
        browser.screenshot(shots / "step-through-first.png")
        middle = (driver.count + 1) // 2

        def screenshots(frame, state):
            if frame in (middle, driver.count):
                name = "middle" if frame == middle else "last"
                browser.screenshot(shots / f"step-through-{name}.png")

        driver.everything(screenshots)
        browser.reduce_motion(False)    # the longest jumps, scrolled smoothly
        for frame in (driver.count, 1):
            driver.slide_to(frame)
            driver.check(driver.settled(), frame)
        browser.reduce_motion(True)
        assert browser.problems() == []
    for name in ("first", "middle", "last"):
        assert (shots / f"step-through-{name}.png").read_bytes()[:4] == b"\x89PNG"


def two_step_throughs() -> tuple[tg.viz.StepThrough, tg.viz.StepThrough]:
    loss, params = graph_command.expression_example()
    first = tg.viz.step_through(loss, params)
    loss, params = graph_command.softmax_example()
    return first, tg.viz.step_through(loss, params)


def check_two_independent(browser, name: str, host_font: str | None = None) -> None:
    with screenshot_on_failure(browser, name):
        first, second = Driver(browser, 0), Driver(browser, 1)
        assert first.count != second.count  # different graphs: their frames cannot mix
        first.everything()
        second.everything()
        first.scroll_to()
        first.click(first.state()["buttons"][1])
        first.check(first.state(), 2)
        browser.key("ArrowRight")           # the focus is on the first one's button
        first.check(first.state(), 3)
        left_alone = second.state()         # the other one did not move
        assert left_alone["frame"] == left_alone["slider"] == 1
        if host_font:
            style = browser.evaluate(
                "(() => { const s = getComputedStyle(document.body);"
                " const p = getComputedStyle(document.querySelector('p'));"
                " return [s.fontFamily, s.margin, p.fontSize]; })()")
            assert style == [host_font, "30px", "16px"]
        assert browser.problems() == []


def test_two_inline_step_throughs_in_one_document(browser, tmp_path):
    first, second = two_step_throughs()
    page = tmp_path / "two.html"
    page.write_text("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                    "<title>two</title><style>body { font-family: serif; margin: 30px; }"
                    "</style></head><body><p>Some text of the document.</p>"
                    f"{first._repr_html_()}<p>Between them.</p>{second._repr_html_()}"
                    "<p>After them.</p></body></html>")
    browser.open(page)
    check_two_independent(browser, "two-inline", host_font="serif")


def test_a_notebook_with_two_step_throughs_runs_and_its_html_works(browser, tmp_path):
    nbformat, nbclient, nbconvert = (require(m) for m in ("nbformat", "nbclient", "nbconvert"))
    setup = ("import tinygrad_edu as tg\n"
             f"assert tg.__file__.startswith({str(ROOT)!r}), tg.__file__  # this checkout's\n"
             "x = tg.tensor([1.0, 2.0], requires_grad=True, name='x')")
    notebook = nbformat.v4.new_notebook(cells=[  # small graphs: the kernel's time is the cost
        nbformat.v4.new_code_cell(setup),
        nbformat.v4.new_code_cell("tg.viz.step_through((x.exp() * x).sum())"),  # 3 steps
        nbformat.v4.new_code_cell("tg.viz.step_through((x * x).sum())")])        # 2 steps
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = [cell.outputs for cell in notebook.cells]
    assert outputs[0] == []
    for cell_outputs in outputs[1:]:
        (result,) = cell_outputs
        assert result.output_type == "execute_result"
        assert 'class="tg-step"' in result.data["text/html"]
    body, _ = nbconvert.HTMLExporter(template_name="basic").from_notebook_node(notebook)
    page = tmp_path / "notebook.html"
    page.write_text("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                    f"<title>notebook</title></head><body>{body}</body></html>")
    browser.open(page)
    check_two_independent(browser, "notebook")
