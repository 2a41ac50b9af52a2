"""`python -m models tour` runs all five steps, writes their pictures and prints one table;
without graphviz's `dot` it still runs, writes DOT source and says how to render it."""

import shutil

from models import __main__ as models_main
from models import tour


def test_the_quick_tour_runs_without_dot_and_says_how_to_render(tmp_path, monkeypatch,
                                                                  capsys):
    empty = tmp_path / "no-programs"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # neither shutil.which nor graphviz finds `dot`
    assert shutil.which("dot") is None
    out = tmp_path / "tour"
    assert models_main.main(["tour", "--quick", "--no-progress", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    table, notes = printed.split("\n\n")[:2]
    header, *rows = table.splitlines()
    assert header.split() == ["figure", "article", "ours", "note"]
    steps = [row.rsplit(" (", 1)[0] for row in rows if not row.startswith(" ")]
    assert steps == ["1 linear regression", "2 logistic regression", "3 softmax regression",
                     "4 network: iris", "4 network: digits", "4 network: spirals",
                     "4 backprop graph", "5 convolution"]
    assert all(row.endswith(" s)") for row in rows if not row.startswith(" "))
    assert max(len(line) for line in f"{table}\n{notes}".splitlines()) <= 100  # no wrapping
    assert "-39.83851" in printed and "0.708" in printed  # the article's figures
    assert "[1] R's lm, article's seed" in notes
    for name in ("spiral-boundaries.png", "feature-maps.png", "filters.png",
                 "mlp-iris-training.png", "cnn-digits-training.png", "mlp-backward.dot"):
        assert (out / name).stat().st_size > 0, name
    assert len(list(out.glob("*.png"))) >= 8  # the regressions' pictures too
    assert not list(out.glob("*.svg"))
    assert "apt-get install graphviz" in printed and "dot -Tsvg" in printed


def test_the_backprop_graph_is_rendered_when_dot_is_installed(tmp_path):
    result = tour.backprop_graph(tmp_path)
    assert {p.name for p in result["pictures"]} == {"mlp-graph.dot", "mlp-graph.svg",
                                                    "mlp-backward.dot", "mlp-backward.svg"}
    assert result["notes"] == []
    assert (tmp_path / "mlp-backward.svg").read_text().lstrip().startswith("<?xml")
