"""Pictures of backprop (tinygrad_edu.viz and `python -m models graph`).

The DOT source is checked by counting its node and edge statements, so the tests say
exactly what a picture holds; rendering goes through the system `dot` (CI installs it).
"""

import os
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from models import graph as graph_command
from tinygrad_edu import viz
from tinygrad_edu.autograd import toposort

NODE = re.compile(r"^\t(\w+) \[", re.M)
EDGE = re.compile(r"^\t(\w+) -> (\w+)", re.M)
SVG = "{http://www.w3.org/2000/svg}"
DOCS = Path(__file__).resolve().parent.parent / "docs"


def node_keys(source: str) -> list[str]:
    """The keys of the node statements (not the `graph [...]`-style default lines)."""
    return [k for k in NODE.findall(source) if k not in ("graph", "node", "edge")]


def nodes(picture) -> list[str]:
    return node_keys(picture.source)


def edges(picture) -> list[tuple[str, str]]:
    return EDGE.findall(picture.source)


def node_line(picture, key: str) -> str:
    return next(line for line in picture.source.splitlines() if line.startswith(f"\t{key} ["))


def expression(c_shape=(2, 3)):
    """sum(sigmoid(a * b + c)) with a, b, c requiring grad; c broadcast when c_shape is (3,)."""
    tg.manual_seed(0)
    a = tg.randn(2, 3, requires_grad=True)
    b = tg.randn(2, 3, requires_grad=True)
    c = tg.randn(*c_shape, requires_grad=True)
    return (a * b + c).sigmoid().sum(), (a, b, c)


# ---------------------------------------------------------------------------------------
# The forward graph: nodes, edges, labels
# ---------------------------------------------------------------------------------------

def test_known_expression_has_exactly_its_nodes_and_edges():
    loss, _ = expression()
    picture = viz.draw_graph(loss, legend=False)
    # tensors a, b, c, a*b, a*b+c, sigmoid, sum; ops mul, add, sigmoid, sum
    assert len(nodes(picture)) == 7 + 4
    # mul: 2 in + 1 out, add: 2 + 1, sigmoid: 1 + 1, sum: 1 + 1
    assert len(edges(picture)) == 10
    assert sorted(k for k in nodes(picture) if k.startswith("op")) == ["op0", "op1", "op2",
                                                                        "op3"]


def test_broadcasting_shows_its_expand_node():
    loss, _ = expression(c_shape=(3,))
    picture = viz.draw_graph(loss, legend=False)
    assert len(nodes(picture)) == 13  # + expand and its output
    assert len(edges(picture)) == 12
    assert "<B>expand</B><BR/>shape=(2, 3)" in picture.source
    assert 'rankdir=TB' in picture.source  # top to bottom: fits a notebook's width


def test_pictures_of_a_small_graph_fit_a_notebook():
    """A notebook's output area is about 1250 px wide: a small graph's pictures fit in
    1000 px, top to bottom, legend included (graphviz's SVG sizes are in points)."""
    loss, params = graph_command.expression_example()
    loss.backward(retain_graph=True)
    for picture in (viz.draw_graph(loss, params), viz.draw_backward(loss, params),
                    *viz.backward_frames(loss, params)):
        points = float(re.search(r'width="([\d.]+)pt"', viz.to_svg(picture)).group(1))
        assert points * 4 / 3 < 1000


def legend_lines(picture) -> list[str]:
    return [node_line(picture, k) for k in nodes(picture) if k.startswith("legend")]


def test_the_legend_lists_only_what_the_picture_holds_drawn_as_the_picture_draws_it():
    loss, _ = expression(c_shape=(3,))          # no data, no constants, no gradients yet
    entries = legend_lines(viz.draw_graph(loss))
    text = "\n".join(entries)
    assert len(entries) == 1 + 4                # the title, parameter, intermediate, output, op
    assert "data:" not in text and "constant:" not in text and "|grad|" not in text
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * 2).sum()
    y.backward(retain_graph=True)
    picture = viz.draw_graph(y)
    constant = next(line for line in legend_lines(picture) if "constant:" in line)
    drawn = node_line(picture, "c0")
    for attr in ("style=\"dashed,filled\"", "color=grey40", "fontsize=9"):
        assert attr in constant and attr in drawn
    assert any("grad: d(output) / d(this tensor)" in line for line in legend_lines(picture))
    frames = viz.backward_frames(y)
    assert any("the op running at this step" in line and "fillcolor=gold" in line
               for line in legend_lines(frames[0]))
    assert any("grad = #2.1 + #3.1: the sum" in line for line in legend_lines(frames[0]))


def test_constants_are_small_nodes_and_a_tensor_used_twice_has_two_edges():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    picture = viz.draw_graph((x * x * 2).sum(), legend=False)
    # tensors x, x*x, *2, sum; ops mul, mul, sum; constant 2
    assert len(nodes(picture)) == 4 + 3 + 1
    assert edges(picture).count(("t3", "op2")) == 2  # x feeds the first mul twice
    assert "dashed" in node_line(picture, "c0") and "label=<2>" in node_line(picture, "c0")


def test_labels_carry_names_shapes_dtypes_and_values():
    w = tg.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    X = tg.tensor(np.arange(12.0).reshape(4, 3), dtype="float64", name="X")
    out = (X @ w.T.double()).sum()
    picture = viz.draw_graph(out, params={"weight": w}, legend=False)
    assert "<B>weight</B>" in picture.source and "<B>X</B>" in picture.source
    assert "(1, 3) float32" in picture.source and "(4, 3) float64" in picture.source
    assert "[[0.5, -1, 2]]" in picture.source                      # few numbers: in full
    assert "[[0, 1, 2],<BR/> [3, 4, 5],<BR/> [6, 7, 8],<BR/> [9, 10, 11]]" in picture.source
    summarised = viz.draw_graph(out, legend=False, max_shown=6).source
    assert "mean 5.5 std 3.452<BR/>min 0 max 11" in summarised      # many: summarised
    assert "lightblue" in node_line(picture, viz.walk_graph(out).key_of[id(w)])


def test_names_come_from_a_module_named_parameters():
    class TwoParameters:  # anything with named_parameters(), like tg.nn.Module
        def __init__(self):
            self.weight = tg.ones(2, requires_grad=True)
            self.bias = tg.zeros(2, requires_grad=True)

        def named_parameters(self):
            return [("layer.weight", self.weight), ("layer.bias", self.bias)]

    model = TwoParameters()
    source = viz.draw_graph((model.weight * 3 + model.bias).sum(), model).source
    assert "<B>layer.weight</B>" in source and "<B>layer.bias</B>" in source


def test_gradients_appear_only_after_backward():
    loss, (a, _, _) = expression()
    assert "|grad|" not in viz.draw_graph(loss).source
    loss.backward(retain_graph=True)
    picture = viz.draw_graph(loss)
    assert picture.source.count("|grad| =") == 7  # every tensor of the graph requires grad
    assert "|grad|" not in viz.draw_graph(loss, show_grads=False).source
    a_grad = viz.labels.describe(a.grad.numpy()).replace("\n", "<BR/>")
    assert f"grad<BR/>{a_grad}" in picture.source


def test_a_non_scalar_output_shows_only_the_leaves_gradients():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    y = (x * 3).exp()
    y.backward(gradient=np.ones(2, dtype=np.float32), retain_graph=True)
    source = viz.draw_graph(y).source
    assert source.count("|grad| =") == 1  # x's .grad; the seed of y is not known here
    assert f"grad<BR/>{viz.labels.describe(x.grad.numpy())}" in source


def test_the_same_graph_gives_the_same_dot_source():
    first, _ = expression(c_shape=(3,))
    second, _ = expression(c_shape=(3,))
    assert viz.draw_graph(first).source == viz.draw_graph(second).source
    assert viz.draw_backward(first).source == viz.draw_backward(second).source
    assert viz.draw_graph(first).source == viz.draw_graph(first).source


def test_a_freed_graph_cannot_be_drawn_and_says_why():
    loss, _ = expression()
    loss.backward()
    for draw in (viz.draw_graph, viz.draw_backward, viz.backward_frames):
        with pytest.raises(RuntimeError, match=r"freed by backward\(\).*retain_graph=True"):
            draw(loss)


def test_large_graphs_are_refused_and_long_chains_need_no_recursion():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(2000):
        y = y * 1.0001
    with pytest.raises(ValueError, match="more than 300 nodes.*max_nodes="):
        viz.draw_graph(y)
    picture = viz.draw_graph(y, max_nodes=10_000, legend=False)
    assert len(nodes(picture)) == 2001 + 2000 + 2000  # tensors, ops, constants


# ---------------------------------------------------------------------------------------
# The backward walk and its pictures
# ---------------------------------------------------------------------------------------

def test_backward_steps_follow_the_engine_and_match_tg_grad():
    loss, leaves = expression(c_shape=(3,))
    steps = viz.backward_steps(loss)
    engine_order = [t for t in reversed(toposort([loss])) if t.node is not None]
    assert [s.tensor for s in steps] == engine_order
    tensors = toposort([loss])
    totals = viz.total_gradients(loss, steps)
    expected = tg.grad(loss, tensors, retain_graph=True)
    for t, g in zip(tensors, expected, strict=True):
        np.testing.assert_allclose(totals[id(t)].array, g.array, rtol=1e-6)
    assert all(t.grad is None for t in leaves)  # a replay stores nothing


def test_backward_steps_need_a_gradient_for_a_non_scalar_output():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="backward_steps: grad can be implicitly"):
        viz.backward_steps(x * 2)
    weights = np.array([3.0, -1.0], dtype=np.float32)
    (step,) = viz.backward_steps(x * 2, gradient=weights)
    np.testing.assert_allclose(step.sent[0][2].array, [6.0, -2.0])


def test_softmax_cross_entropy_sends_a_minus_y_over_n_to_the_logits():
    loss, params = graph_command.softmax_example()
    logits = next(t for t in toposort([loss]) if t.name == "logits z")
    y = next(t for t in viz.walk_graph(loss).tensors() if t.name == "y").array
    a = np.exp(logits.array) / np.exp(logits.array).sum(1, keepdims=True)
    expected = (a - y) / len(y)
    totals = viz.total_gradients(loss, viz.backward_steps(loss))
    np.testing.assert_allclose(totals[id(logits)].array, expected, atol=1e-6)
    loss.backward(retain_graph=True)
    shown = viz.labels.describe(totals[id(logits)].numpy()).replace("\n", "<BR/>")
    assert f"grad<BR/>{shown}" in viz.draw_graph(loss, params).source


def test_the_backward_view_numbers_each_gradient_by_its_step_and_names_its_rule():
    loss, _ = expression(c_shape=(3,))
    picture = viz.draw_backward(loss, legend=False)
    steps = viz.backward_steps(loss)
    expected = [f"{s.number}.{i}" for s in steps for i in range(1, len(s.sent) + 1)]
    assert expected == ["1.1", "2.1", "3.1", "3.2", "4.1", "5.1", "5.2"]  # sum, sigmoid,
    numbers = re.findall(r'label="#(\d+\.\d+) = ', picture.source)  # add, expand, mul
    assert sorted(numbers) == expected
    sigmoid = tg.ops.sigmoid.formulas[0]  # the primitive table's text: one source for all
    assert sigmoid == "g * out * (1 - out)"
    assert f'label="#2.1 = {sigmoid}' in picture.source.replace("\n", " ")
    assert "5 steps; red arrow #k.i = the i-th gradient sent at step k" in picture.source
    assert picture.source.count("dir=back") == len(edges(picture))
    assert 'rankdir=BT' in picture.source  # the output, where the walk starts, on top


def test_non_commutative_ops_label_their_operands_and_keep_them_in_order():
    loss, params = graph_command.logistic_example()
    picture = viz.draw_graph(loss, params, legend=False)
    walk = viz.walk_graph(loss)
    X = next(t for t in walk.tensors() if t.name == "X")
    matmul = walk.op_of[id(next(t for t in walk.tensors()
                                if t.node and t.node.op.name == "matmul"))]
    beta = walk.key_of[id(params["beta"])]
    assert f"\t{walk.key_of[id(X)]} -> {matmul} [headlabel=x" in picture.source
    assert f"\t{beta} -> {matmul} [headlabel=y" in picture.source
    layout = picture.pipe(format="plain").decode().splitlines()
    left = {line.split()[1]: float(line.split()[2]) for line in layout
            if line.startswith("node ")}
    assert left[walk.key_of[id(X)]] < left[beta]  # X @ beta: X on the left


def test_captions_say_the_rule_applied_and_show_accumulation():
    x = tg.tensor([1.0, 2.0], requires_grad=True, name="x")
    frames = viz.backward_frames((x.exp() * x).sum())
    assert [f.comment for f in frames] == [
        "step 1 of 3: sum receives g of shape () and sends #1.1 = g spread over the summed "
        "axes to mul output (its x)",
        "step 2 of 3: mul receives g of shape (2,) and sends #2.1 = g * y to exp output "
        "(its x), #2.2 = g * x to x (its y); x.grad so far = #2.2",
        "step 3 of 3: exp receives g of shape (2,) and sends #3.1 = g * out to x (its x); "
        "x.grad = #2.2 + #3.1"]
    assert "grad so far = #2.2" in frames[1].source and "grad = #2.2 + #3.1" in frames[2].source


def test_values_up_to_twenty_are_shown_and_rounding_noise_is_zero():
    describe = viz.labels.describe
    assert describe(np.arange(12.0).reshape(4, 3)).count("\n") == 3  # a row per line
    assert describe(np.arange(20.0)).count("\n") == 3                # 6 numbers per line
    assert describe(np.arange(21.0)).startswith("mean 10 std")
    noise = np.array([1.0, -1.0] * 20, dtype=np.float32) + np.float32(-9.3e-10)
    assert describe(noise).startswith("mean 0 std 1")
    assert describe(np.array([1e-9, 2e-9])) == "[1e-09, 2e-09]"    # small is not noise


def test_one_frame_per_step_with_the_running_op_highlighted():
    loss, _ = expression(c_shape=(3,))
    steps = viz.backward_steps(loss)
    frames = viz.backward_frames(loss)
    op_of = viz.walk_graph(loss).op_of
    assert len(frames) == len(steps) == 5
    sent_so_far = 0
    for step, frame in zip(steps, frames, strict=True):
        sent_so_far += len(step.sent)
        highlighted = [k for k in nodes(frame) if "fillcolor=gold" in node_line(frame, k)
                       and not k.startswith("legend")]
        assert highlighted == [op_of[id(step.tensor)]]
        shown = re.findall(r'label="#\d+\.\d+ = [^"]*" color=red3', frame.source)
        assert len(shown) == sent_so_far
        assert frame.comment.startswith(f"step {step.number} of 5: ")
        assert "label" not in frame.graph_attr  # the caption once: beside, not in, the picture


def test_every_frame_has_the_same_layout():
    loss, params = graph_command.mlp_example()
    frames = viz.backward_frames(loss, params)
    layouts = {frame.pipe(format="plain").decode().split("\nedge")[0] for frame in frames}
    positions = {tuple(line.split()[:6]) for layout in layouts
                 for line in layout.splitlines() if line.startswith("node ")}
    assert len(frames) == 9 and len(positions) == len(nodes(frames[0]))


# ---------------------------------------------------------------------------------------
# Files: SVG, PNG, DOT, HTML; a missing `dot`
# ---------------------------------------------------------------------------------------

def test_render_writes_svg_that_parses_png_and_dot(tmp_path):
    loss, _ = expression()
    loss.backward(retain_graph=True)
    picture = viz.draw_graph(loss)
    root = ET.parse(viz.render(picture, tmp_path / "g.svg")).getroot()
    titles = {g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
              if g.get("class") == "node"}
    assert titles == set(nodes(picture))
    assert (tmp_path / "g.png").exists() is False
    assert viz.render(picture, tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert viz.render(picture, tmp_path / "g.dot").read_text() == picture.source
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "g.png", "g.svg"]
    with pytest.raises(ValueError, match="render: cannot write 'pdf'"):
        viz.render(picture, tmp_path / "g.pdf")
    with pytest.raises(FileNotFoundError, match="render: folder .*nowhere does not exist"):
        viz.render(picture, tmp_path / "nowhere" / "g.svg")


def test_written_files_get_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    path = viz.render(viz.draw_graph(tg.tensor(1.0) * 2), tmp_path / "g.dot")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_missing_dot_says_how_to_install_it(tmp_path, monkeypatch):
    loss, _ = expression()
    picture = viz.draw_graph(loss)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` anywhere on PATH
    with pytest.raises(RuntimeError, match="render: graphviz's `dot`.*apt-get install graphviz"):
        viz.render(picture, tmp_path / "g.svg")
    with pytest.raises(RuntimeError, match="step_through: .*apt-get install graphviz"):
        viz.step_through(loss).save(tmp_path / "b.html")
    assert list(tmp_path.iterdir()) == []          # no half-written file
    assert picture.source.startswith("digraph")    # the DOT source is still there


class _PageParser(HTMLParser):
    """Collects what the tests assert on: frames, inline SVGs, ids, SVG titles (tooltips),
    outside references, scripts and styles."""

    def __init__(self):
        super().__init__()
        self.frames, self.svgs, self.ids, self.outside = 0, 0, [], []
        self.titles, self.scripts, self.styles, self._open = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.frames += tag == "div" and attrs.get("class") == "tg-frame"
        self.svgs += tag == "svg"
        self.ids += [attrs["id"]] if "id" in attrs else []
        self.outside += [v for k, v in attrs.items() if k in ("src", "href") and v
                         and not v.startswith("#")]
        self.outside += ["<link>"] if tag == "link" else []
        self._open = tag

    def handle_data(self, data):
        {"title": self.titles, "script": self.scripts, "style": self.styles}.get(
            self._open, []).append(data)

    def handle_endtag(self, tag):
        self._open = None


def parse(page: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(page)
    return parser


def test_the_html_page_holds_one_inline_svg_frame_per_step(tmp_path):
    loss, _ = expression(c_shape=(3,))
    path = viz.step_through(loss, title="a <b> test").save(tmp_path / "backprop.html")
    page = path.read_text()
    parser = parse(page)
    assert parser.frames == parser.svgs == len(viz.backward_steps(loss)) == 5
    assert len(parser.ids) == 1 and parser.ids[0].startswith("tg-step-")  # no repeated ids
    assert parser.outside == [] and "@import" not in page and "<?xml" not in page
    assert parser.titles[0] == "a <b> test"
    assert [p.name for p in tmp_path.iterdir()] == ["backprop.html"]
    keys = re.compile(r"^(t|op|c|legend)\d+$|->")   # tooltips name tensors, never keys
    assert parser.titles[1:] and not [t for t in parser.titles[1:] if keys.search(t)]
    assert "#fffffe" not in page                    # text of later frames is not hidden in it


def test_a_step_through_displays_itself_any_number_of_times_in_a_notebook():
    loss, _ = expression()
    steps = viz.step_through(loss)
    first, second = steps._repr_html_(), steps._repr_html_()
    one, two = parse(first), parse(second)
    assert one.ids != two.ids                  # each display finds its own element
    for parser in (one, two):
        (uid,) = parser.ids
        (script,) = parser.scripts
        assert script.strip().startswith("(() => {") and script.strip().endswith("})();")
        assert f'getElementById("{uid}")' in script and "document.onkeydown" not in script
        (style,) = parser.styles
        rules = [line for line in style.strip().splitlines()]
        assert rules and all(line.startswith(f"#{uid}") for line in rules)
    assert len(steps) == 4 and steps.captions[0].startswith("step 1 of 4: sum receives")
    with pytest.raises(ValueError, match="step_through: the tensor is a leaf"):
        viz.step_through(tg.tensor(1.0, requires_grad=True))


# ---------------------------------------------------------------------------------------
# The command `python -m models graph`
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("example, suffix, view", [
    ("logistic", ".svg", "graph"), ("mlp", ".png", "backward"), ("softmax", ".dot", "graph"),
    ("expression", ".html", "graph")])
def test_the_command_writes_each_format(tmp_path, capsys, example, suffix, view):
    out = tmp_path / f"{example}{suffix}"
    assert graph_command.main([example, "--out", str(out), "--view", view]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    data = out.read_bytes()
    if suffix == ".svg":
        assert ET.fromstring(data).tag == f"{SVG}svg"
    elif suffix == ".png":
        assert data[:4] == b"\x89PNG"
    elif suffix == ".dot":
        assert data.startswith(b"digraph tinygrad_edu {") and b"logits z" in data
    else:
        assert parse(data.decode()).frames == 5


def test_the_command_draws_each_example_after_one_backward():
    for name, example in graph_command.EXAMPLES.items():
        loss, params = example()
        assert loss.array.shape == () and np.isfinite(loss.item()), name
        leaves = [t for t in toposort([loss]) if t.node is None]
        assert {id(t) for t in leaves} == set(viz.walk.names_of(params)), name


def test_the_command_rejects_an_unknown_suffix(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        graph_command.main(["logistic", "--out", str(tmp_path / "x.pdf")])
    assert exit.value.code == 2 and "unknown suffix '.pdf'" in capsys.readouterr().err


def test_the_committed_pictures_match_the_commands_that_made_them(tmp_path):
    """The docs list the commands that draw docs/img/*.svg: each picture still has the
    nodes and edges its command draws today (whatever dot's version)."""
    pages = "\n".join(page.read_text() for page in sorted(DOCS.glob("*.md")))
    commands = re.findall(r"^python -m models graph (.*) --out docs/img/(\S+\.svg)(.*)$",
                          pages, re.M)
    assert sorted(name for _, name, _ in commands) == sorted(
        p.name for p in (DOCS / "img").glob("*.svg"))
    for before, name, after in commands:
        dot = tmp_path / "fresh.dot"
        graph_command.main(before.split() + after.split() + ["--out", str(dot)])
        fresh = dot.read_text()
        root = ET.parse(DOCS / "img" / name).getroot()
        titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")
                  if g.get("class") in ("node", "edge")]
        visible = "\n".join(line for line in fresh.splitlines() if "style=invis" not in line)
        drawn = node_keys(fresh) + [f"{a}->{b}" for a, b in EDGE.findall(visible)]
        assert sorted(titles) == sorted(drawn), name
