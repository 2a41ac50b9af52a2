"""The benchmark: it runs, and its two sides compute the same thing.

No timing is asserted here (timings belong to `python -m bench`, not to a test suite); what
is checked is that every workload's hand-written numpy step and its tinygrad_edu step give
the same losses and the same updated weights, step after step, to float32 precision. That
is what makes the ratio of their times mean something.
"""

import doctest

import numpy as np
import pytest

import bench.profile
import bench.run
from bench.run import main
from bench.workloads import KEYS, build, image_data
from tinygrad_edu.data.datasets import DEBIAN_FASHION_MNIST

STEPS = 3
RTOL, ATOL = 1e-5, 1e-6  # float32: a few units in the last place after a few updates


@pytest.mark.parametrize("key", KEYS)
def test_numpy_and_tinygrad_sides_agree(key):
    (workload,) = build([key], synthetic=True)
    for step in range(STEPS):
        before = [w.copy() for w in workload.numpy.weights()]
        numpy_loss = np.asarray(workload.numpy.step())
        tinygrad_loss = np.asarray(workload.tinygrad.step())
        assert numpy_loss.dtype == tinygrad_loss.dtype == np.float32
        np.testing.assert_allclose(tinygrad_loss, numpy_loss, rtol=RTOL, atol=ATOL,
                                   err_msg=f"{key}: loss at step {step}")
        pairs = zip(workload.numpy.weights(), workload.tinygrad.weights(), before, strict=True)
        for i, (numpy_w, tinygrad_w, start) in enumerate(pairs):
            assert tinygrad_w.dtype == numpy_w.dtype == np.float32
            assert not np.array_equal(numpy_w, start), f"{key}: weight {i} did not move"
            np.testing.assert_allclose(tinygrad_w, numpy_w, rtol=RTOL, atol=ATOL,
                                       err_msg=f"{key}: weight {i} after step {step}")
            # Start the next step from the same weights: the two sides round differently
            # in the last bit, and left to grow, that could pick another maximum in a
            # nearly tied pooling window (W4) and send its gradient elsewhere.
            tinygrad_w[...] = numpy_w


def test_sides_do_not_share_weights():
    # each side must update its own arrays, or the comparison above proves nothing
    (workload,) = build(["W2"], synthetic=True)
    for numpy_w, tinygrad_w in zip(workload.numpy.weights(), workload.tinygrad.weights(),
                                    strict=True):
        assert not np.shares_memory(numpy_w, tinygrad_w)


def test_command_prints_a_row_per_workload(capsys):
    main(["--workloads", "W1,W2,W3,W4,W5", "--rounds", "1", "--steps", "2", "--synthetic"])
    out = capsys.readouterr().out
    assert "numpy" in out and "threads" in out.lower()
    rows = [line for line in out.splitlines() if line.startswith("| W")]
    assert [r.split(":")[0] for r in rows] == [f"| {k}" for k in KEYS]
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert cells[1] in ("synthetic", "iris") and cells[5].endswith("x")
    assert "| per op, forward + backward" in out


def test_command_selects_workloads(capsys):
    main(["--workloads", "w5", "--rounds", "1", "--steps", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| W")]
    assert len(rows) == 1 and rows[0].startswith("| W5:")


@pytest.mark.parametrize("argv", [["--workloads", "W9"], ["--rounds", "0"], ["--steps", "-1"]])
def test_command_rejects_bad_arguments(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert "error" in capsys.readouterr().err


def test_images_say_where_they_come_from():
    images = image_data()
    expected = "Fashion-MNIST" if DEBIAN_FASHION_MNIST.is_dir() else "synthetic"
    assert images.source == expected
    assert images.pixels.shape == (len(images.labels), 784)
    assert images.pixels.dtype == np.float32
    assert 0 <= images.pixels.min() and images.pixels.max() <= 1


def test_profile_names_primitives_and_restores_them():
    from bench.profile import profile
    from tinygrad_edu import ops

    forwards = {name: p.forward for name, p in vars(ops).items() if isinstance(p, ops.Primitive)}
    report = profile("W5", steps=2, top=3)
    assert "inside primitives" in report and "matmul" in report
    assert "function calls" in report  # the cProfile table
    for name, forward in forwards.items():
        assert getattr(ops, name).forward is forward, f"{name}'s forward was not restored"


@pytest.mark.parametrize("module", [bench.run, bench.profile], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
