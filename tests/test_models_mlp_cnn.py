"""Steps 4 and 5 of the article: autodiff gives the gradients the article derives by hand.

The MLP's gradients from `loss(...).backward()` must equal the article's `backprop`
(numpy, deltas a - y and (delta W) * f'(z)); the convolution must equal the article's
window-times-filter loop, and its weight gradient the correlation of the input with the
upstream gradient. Then: the models reach their targets on the bundled data, and each
command runs.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from models import cnn, mlp
from tinygrad_edu.testing import strategies as tst

# ---------------------------------------------------------------------------------------
# Step 4: the MLP's autodiff gradient is the article's backprop
# ---------------------------------------------------------------------------------------


@st.composite
def mlp_problems(draw):
    """A network (1 to 3 hidden layers) with drawn weights, a batch X, one-hot Y."""
    hidden = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    sizes = [draw(st.integers(1, 5))] + hidden + [draw(st.integers(2, 4))]
    weights = [draw(tst.arrays((m, n), min_value=-2, max_value=2))
               for n, m in zip(sizes[:-1], sizes[1:], strict=True)]
    biases = [draw(tst.arrays((m,), min_value=-2, max_value=2)) for m in sizes[1:]]
    n = draw(st.integers(1, 8))
    X = draw(tst.arrays((n, sizes[0]), min_value=-3, max_value=3))
    labels = draw(st.lists(st.integers(0, sizes[-1] - 1), min_size=n, max_size=n))
    return weights, biases, X, np.eye(sizes[-1])[labels]


@given(mlp_problems(), st.sampled_from(mlp.ACTIVATIONS), st.sampled_from([0.0, 0.3]),
       st.sampled_from([0.0, 0.2]))
def test_mlp_autodiff_equals_the_articles_backprop(problem, activation, l1, l2):
    weights, biases, X, Y = problem
    net = mlp.Network([tg.tensor(W, requires_grad=True) for W in weights],
                      [tg.tensor(b, requires_grad=True) for b in biases], activation)
    grads = tg.grad(mlp.loss(net, tg.tensor(X), tg.tensor(Y), l1, l2), net.parameters())
    nabla_w, nabla_b = mlp.backprop(weights, biases, X, Y, activation, l1, l2)
    expected = [g for pair in zip(nabla_w, nabla_b, strict=True) for g in pair]
    for got, want in zip(grads, expected, strict=True):
        assert got.dtype == np.float64
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-9, atol=1e-12)


# ---------------------------------------------------------------------------------------
# Step 5: conv2d is the article's loop, and its weight gradient a correlation
# ---------------------------------------------------------------------------------------


@st.composite
def conv_problems(draw):
    """x (N, C, H, W), weight (O, C, k, k) and an upstream gradient for the output."""
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    h, w = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = draw(st.integers(1, min(h, w, 4)))
    x = draw(tst.arrays((n, c, h, w)))
    weight = draw(tst.arrays((o, c, k, k)))
    g = draw(tst.arrays((n, o, h - k + 1, w - k + 1)))
    return x, weight, g


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 4), st.data())
def test_convolve_equals_the_articles_loop(h, w, k, data):
    k = min(k, h, w)
    image = data.draw(tst.arrays((h, w)))
    kernel = data.draw(tst.arrays((k, k)))
    np.testing.assert_allclose(cnn.convolve(image, kernel), cnn.convolve_naive(image, kernel),
                               rtol=1e-12, atol=1e-12)


@given(conv_problems())
def test_conv2d_forward_equals_the_loop_summed_over_channels(problem):
    x, weight, _ = problem
    got = F.conv2d(tg.tensor(x), tg.tensor(weight)).numpy()
    want = np.array([[sum(cnn.convolve_naive(x[n, c], weight[o, c]) for c in range(x.shape[1]))
                      for o in range(weight.shape[0])] for n in range(x.shape[0])])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(conv_problems())
def test_conv2d_weight_gradient_is_the_correlation_of_input_and_upstream_gradient(problem):
    x, weight, g = problem
    w = tg.tensor(weight, requires_grad=True)
    (got,) = tg.grad(F.conv2d(tg.tensor(x), w), w, grad_outputs=[g])
    # by hand: dL/dw[o, c, i, j] = sum over n, p, q of x[n, c, p + i, q + j] * g[n, o, p, q]
    oh, ow = g.shape[2:]
    want = np.zeros_like(weight)
    for i in range(weight.shape[2]):
        for j in range(weight.shape[3]):
            want[:, :, i, j] = np.einsum("ncpq,nopq->oc", x[:, :, i:i + oh, j:j + ow], g)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_square_grid_places_each_map_in_its_cell():
    maps = np.arange(5 * 2 * 2, dtype=float).reshape(5, 2, 2)
    grid = cnn.square_grid(maps, pad=1)
    assert grid.shape == (3 * 3 + 1, 3 * 3 + 1)  # 5 maps need a 3 x 3 grid
    np.testing.assert_allclose(grid[1:3, 4:6], [[0, 1 / 3], [2 / 3, 1]])  # map 1, scaled
    assert grid[7:9, 4:6].tolist() == [[1, 1], [1, 1]]  # cell 7 is empty: white


def test_the_articles_emboss_filter():
    # R: matrix(c(2, 0, 0, 0, -1, 0, 0, 0, -1), 3) fills by column
    assert cnn.EMBOSS.tolist() == np.array([2, 0, 0, 0, -1, 0, 0, 0, -1]).reshape(3, 3).T.tolist()


# ---------------------------------------------------------------------------------------
# Targets on the bundled data (the article's settings), and the commands
# ---------------------------------------------------------------------------------------


def test_iris_mean_test_accuracy_over_five_seeds_reaches_the_target():
    # the article: 96% with [4, 40, 3], 30 epochs, batch 10, lr 0.5, a 70/30 split
    accuracies = [mlp.run(seed=seed)["results"][0]["evaluation"].accuracy for seed in range(5)]
    assert np.mean(accuracies) >= 0.93, accuracies


def test_digits_mlp_reaches_the_target_with_the_articles_mnist_settings():
    result = mlp.run(dataset="digits")  # [64, 100, 10], 30 epochs, batch 10, lr 3
    evaluation = result["results"][0]["evaluation"]
    assert evaluation.accuracy >= 0.95
    assert evaluation.confusion.sum() == 540 and np.trace(evaluation.confusion) / 540 == \
        pytest.approx(evaluation.accuracy)


def test_a_wide_relu_network_fits_the_spirals_a_narrow_one_cannot():
    narrow, wide = mlp.run(dataset="spirals", sizes=[2, 3, 2]), \
        mlp.run(dataset="spirals", sizes=[2, 32, 2])
    assert narrow["results"][0]["evaluation"].accuracy < 0.85  # the article: 70.8%
    assert wide["results"][0]["evaluation"].accuracy >= 0.95


def test_digits_cnn_reaches_the_target():
    result = cnn.run(dataset="digits")  # 20 epochs of SGD with momentum
    assert result["evaluation"].accuracy >= 0.96
    differences = [f.ours for f in result["figures"] if "difference" in f.name]
    assert differences and differences[0] < 1e-12


@pytest.mark.parametrize("optimiser", mlp.OPTIMISERS)
def test_every_optimiser_trains_in_float32_and_lowers_the_loss(optimiser):
    X_train, _, y_train, _ = mlp.load("iris")
    net = mlp.network([4, 8, 3], activation="relu", seed=0)
    lr = 0.5 if optimiser in ("sgd", "momentum") else 0.05
    history = mlp.sgd(net, X_train, y_train, epochs=5, batch_size=10, lr=lr,
                      optimiser=optimiser, l1=1e-4, l2=1e-3, seed=0, progress=False)
    assert history.loss[-1] < history.loss[0]
    assert all(p.dtype == np.float32 and p.grad.dtype == np.float32 for p in net.parameters())


def test_mlp_main_writes_its_picture_and_table(tmp_path, capsys):
    assert mlp.main(["--epochs", "2", "--no-progress", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "mlp-iris-training.png").stat().st_size > 0
    assert "mlp iris [4, 40, 3] sigmoid accuracy" in capsys.readouterr().out


def test_mlp_main_draws_the_spiral_boundaries(tmp_path, capsys):
    argv = ["--dataset", "spirals", "--epochs", "2", "--optimiser", "adam", "--lr", "0.01",
            "--l2", "0.001", "--no-progress", "--out", str(tmp_path)]
    assert mlp.main(argv) == 0
    assert (tmp_path / "spiral-boundaries.png").stat().st_size > 0
    assert capsys.readouterr().out.count("mlp spirals [2, ") == 4  # 3, 4, 8, 32 hidden ReLUs


def test_cnn_main_writes_its_pictures(tmp_path, capsys):
    assert cnn.main(["--epochs", "1", "--no-progress", "--out", str(tmp_path)]) == 0
    for name in ("filters.png", "feature-maps.png", "cnn-digits-training.png"):
        assert (tmp_path / name).stat().st_size > 0
    assert "cnn digits test accuracy" in capsys.readouterr().out


def test_unknown_settings_are_named_in_the_error():
    with pytest.raises(ValueError, match="network: activation"):
        mlp.network([2, 3, 2], activation="tanh")
    with pytest.raises(ValueError, match="sgd: optimiser"):
        mlp.make_optimiser("lbfgs", mlp.network([2, 2]).parameters(), 0.1)
    with pytest.raises(ValueError, match="cnn: dataset"):
        cnn.run(dataset="cifar")


def test_the_progress_bar_counts_mini_batches(capsys):
    """On a long run the bar must move within an epoch: it counts batches, not epochs."""
    X, Y = np.zeros((25, 2)), np.zeros((25, 1))
    calls = []
    mlp.train_loop(lambda xb, yb: calls.append(len(xb)) or 0.0, X, Y, epochs=2, batch_size=10,
                   seed=0, progress=True)
    assert calls == [10, 10, 5] * 2
    shown = capsys.readouterr().err
    assert "6/6" in shown and "batch" in shown and "epoch=2/2" in shown
