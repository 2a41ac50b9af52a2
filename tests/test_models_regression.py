"""Steps 1-3 of the article (models/linear_regression.py, logistic_regression.py,
softmax_regression.py) and their shared helpers (models/common.py).

Property tests (float64, drawn shapes and values): autodiff's gradient of each model's loss
equals the article's hand-derived delta, and tg.hessian equals the hand-written Hessian.
Target tests: the closed form against numpy's lstsq, gradient descent against the closed
form, Newton against R's glm, the summaries against hand computations, p-values against
known values. Each step's `main` runs once into a temporary folder.
"""

import doctest
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import models.common as common
import models.linear_regression as linear
import models.logistic_regression as logistic
import models.softmax_regression as softmax
import tinygrad_edu as tg
from tinygrad_edu.testing.strategies import arrays

# ---------------------------------------------------------------------------------------
# Drawn regression problems
# ---------------------------------------------------------------------------------------


@st.composite
def design(draw, min_rows: int = 1, max_rows: int = 12, max_columns: int = 5):
    """(X, y, b): X (n, p) with values in [-5, 5], y (n,), coefficients b (p,)."""
    p = draw(st.integers(1, max_columns))
    n = draw(st.integers(max(min_rows, 1), max_rows))
    X = draw(arrays((n, p)))
    return X, draw(arrays((n,))), draw(arrays((p,)))


def tensors(*arrays_):
    return [tg.Tensor(np.asarray(a, dtype=np.float64)) for a in arrays_]


def autodiff_gradient(loss, b: np.ndarray, *data) -> np.ndarray:
    b_t = tg.Tensor(b.copy(), requires_grad=True)
    (g,) = tg.grad(loss(b_t, *tensors(*data)), b_t)
    return g.numpy()


def close(actual, expected, scale: float = 1.0, rtol: float = 1e-10):
    """Equal up to float64 rounding: relative, or absolute against the data's scale."""
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * scale)


# ---------------------------------------------------------------------------------------
# models/common.py: p-values and formatting
# ---------------------------------------------------------------------------------------


@given(st.floats(-1e6, 1e6))
def test_t_cdf_matches_the_closed_forms_for_1_and_2_degrees_of_freedom(t):
    # df = 1 is the Cauchy distribution; df = 2 has F(t) = 1/2 + t / (2 sqrt(2 + t^2))
    assert common.t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-14)
    assert common.t_cdf(t, 2) == pytest.approx(0.5 + t / (2 * math.sqrt(2 + t * t)), abs=1e-14)


@pytest.mark.parametrize("quantile, df, probability", [
    # upper points of Student's t (R's qt(probability, df)), checked with mpmath at 30 digits
    (6.313751514675037, 1, 0.95), (2.9199855803537242, 2, 0.95), (2.0150483733330233, 5, 0.95),
    (2.228138851986274, 10, 0.975), (2.7499956535672254, 30, 0.995),
    (1.9844674545084815, 98, 0.975), (3.373453768562533, 120, 0.9995),
    (1.9623390808264083, 1000, 0.975), (1.9599877075346095, 100_000, 0.975)])
def test_t_cdf_matches_table_values(quantile, df, probability):
    assert common.t_cdf(quantile, df) == pytest.approx(probability, abs=1e-10)
    assert common.t_cdf(-quantile, df) == pytest.approx(1 - probability, abs=1e-10)
    assert common.t_pvalue(quantile, df) == pytest.approx(2 * (1 - probability), rel=1e-8)


def test_tiny_p_values_keep_their_relative_precision():
    # P(|T| > 30) with 98 df is far below 1e-16; R: 2 * pt(-30, 98) = 3.466352e-51
    assert common.t_pvalue(30, 98) == pytest.approx(3.466352323464848e-51, rel=1e-9)
    assert common.normal_pvalue(10) == pytest.approx(1.523970604832094e-23, rel=1e-9)
    # and p-values near 1 their absolute precision: P(|T| > 1e-13) = 1 - 6.4e-14
    assert 1 - common.t_pvalue(1e-13, 1) == pytest.approx(2e-13 / math.pi, abs=1e-15)
    assert common.format_pvalue(1e-30) == "<2e-16"


@given(st.integers(1, 40), st.data())
def test_incomplete_beta_is_a_binomial_tail_for_integer_parameters(n, data):
    # I_x(k, n - k + 1) = P(Binomial(n, x) >= k)
    k = data.draw(st.integers(1, n))
    x = data.draw(st.floats(0, 1))
    tail = sum(math.comb(n, j) * x ** j * (1 - x) ** (n - j) for j in range(k, n + 1))
    assert common.incomplete_beta(k, n - k + 1, x) == pytest.approx(tail, rel=1e-9, abs=1e-14)


@given(st.floats(0, 50), st.integers(1, 200))
def test_the_f_test_of_one_slope_is_the_squared_t_test(t, df):
    assert common.f_pvalue(t * t, 1, df) == pytest.approx(common.t_pvalue(t, df), rel=1e-9,
                                                          abs=1e-300)


def test_normal_pvalue_and_bad_arguments():
    assert common.normal_pvalue(1.959963984540) == pytest.approx(0.05, rel=1e-10)
    assert common.normal_pvalue(0) == 1
    with pytest.raises(ValueError, match="t_cdf: df must be positive"):
        common.t_cdf(1.0, 0)
    with pytest.raises(ValueError, match="incomplete_beta"):
        common.incomplete_beta(1.0, 1.0, 1.5)


def test_coefficient_table_and_comparison_table_layout():
    table = common.coefficient_table(["(Intercept)", "x"], [2.0, -0.5], [0.5, 1.0],
                                     [4.0, -0.5], [0.0025, 0.62], "z")
    lines = table.splitlines()
    assert lines[0].split() == ["Estimate", "Std.", "Error", "z", "value", "Pr(>|z|)"]
    assert lines[1].split() == ["(Intercept)", "2", "0.5", "4", "0.0025", "**"]
    assert lines[2].split() == ["x", "-0.5", "1", "-0.5", "0.62"]
    assert lines[-1] == common.SIGNIFICANCE
    rows = common.comparison_table([common.Comparison("a", None, 300000)], "T").splitlines()
    assert rows[0] == "T" and rows[3].split() == ["a", "-", "300,000"]


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    counts = common.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3)
    assert counts.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_save_figure_writes_a_png_and_leaves_no_temp_file(tmp_path):
    figure, (axes,) = common.new_figure()
    axes.plot([0, 1], [1, 0])
    path = common.save_figure(figure, tmp_path / "new", "line.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["line.png"]
    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    assert path.stat().st_mode == plain.stat().st_mode  # the usual permissions, not 0600


@pytest.mark.parametrize("module", [common, linear, logistic, softmax], ids=lambda m: m.__name__)
def test_docstring_examples(module, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # save_figure's example writes a file
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------------------------------
# Step 1: linear regression
# ---------------------------------------------------------------------------------------


@given(design())
def test_linear_autodiff_gradient_is_the_articles_delta(problem):
    X, y, b = problem
    scale = np.abs(X).max() * (np.abs(X).max() * np.abs(b).sum() + np.abs(y).max()) + 1
    close(autodiff_gradient(linear.cost, b, X, y), linear.delta(b, X, y), scale)


@given(design(min_rows=6))
def test_ols_matches_numpy_lstsq(problem):
    X, y, _ = problem
    assume(np.linalg.cond(X.T @ X) < 1e8)  # what the normal equations can solve to 1e-8
    expected = np.linalg.lstsq(X, y, rcond=None)[0]
    close(linear.ols(X, y), expected, scale=np.abs(expected).max() + 1, rtol=1e-8)


def test_gradient_descent_reaches_the_closed_form_in_200_iterations():
    # x ~ U(-5, 5): the eigenvalues of X'X/n are about 1 and 8.4, so at lr 0.1 every step
    # shrinks the error by about |1 - 0.1 * 1| = 0.9; 0.9^200 is about 7e-10
    for seed in range(5):
        x, y = tg.data.make_wages(100, seed=seed)
        X = common.add_intercept(x)
        path = linear.gradient_descent(X, y, lr=0.1, iterations=200, start=0.1)
        assert path.shape == (200, 2)
        np.testing.assert_allclose(path[-1], linear.ols(X, y), rtol=0, atol=1e-8)


def test_singular_normal_equations_say_why():
    x = np.array([1.0, 2.0, 4.0, 5.0])
    collinear = common.add_intercept(np.column_stack([x, 3 * x - 1]))
    with pytest.raises(linear.SingularDesignError, match="collinear columns: x2 is a linear "
                       r"combination of the columns before it \(\(Intercept\), x\)"):
        linear.ols(collinear, x, ["(Intercept)", "x", "x2"])
    too_wide = common.add_intercept(np.column_stack([x, x ** 2, x ** 3, x ** 4]))
    with pytest.raises(np.linalg.LinAlgError, match=r"more variables than observations \(5 "
                       "columns, with the intercept, but only 4 rows"):
        linear.ols(too_wide, x)
    with pytest.raises(linear.SingularDesignError, match="column 0 is all zeros"):
        linear.ols(np.zeros((4, 2)), x)
    nearly = common.add_intercept(np.column_stack([x, x + 1e-6 * np.array([1, -1, 1, 0])]))
    with pytest.warns(UserWarning, match="ols: X'X is nearly singular"):
        linear.ols(nearly, x)
    with pytest.raises(linear.SingularDesignError, match="X'X is singular in floating point"):
        linear.ols(np.full((4, 1), 1e-170), x)  # full rank, but X'X underflows to 0


def test_lm_summary_matches_the_textbook_formulas_for_one_slope():
    x, y = tg.data.make_wages(30, seed=3)
    s = linear.summarize(common.add_intercept(x), y, ["(Intercept)", "x"])
    n, sxx = len(x), ((x - x.mean()) ** 2).sum()
    slope = ((x - x.mean()) * (y - y.mean())).sum() / sxx
    intercept = y.mean() - slope * x.mean()
    residual = y - intercept - slope * x
    sigma = math.sqrt((residual ** 2).sum() / (n - 2))
    se = [sigma * math.sqrt(1 / n + x.mean() ** 2 / sxx), sigma / math.sqrt(sxx)]
    r2 = np.corrcoef(x, y)[0, 1] ** 2
    close(s.estimates, [intercept, slope], rtol=1e-12)
    close(s.std_errors, se, rtol=1e-12)
    close(s.t_values, np.array([intercept, slope]) / se, rtol=1e-12)
    assert s.df == n - 2 and s.sigma == pytest.approx(sigma, rel=1e-12)
    assert s.r_squared == pytest.approx(r2, rel=1e-12)
    assert s.adj_r_squared == pytest.approx(1 - (1 - r2) * (n - 1) / (n - 2), rel=1e-12)
    assert s.f_statistic == pytest.approx(s.t_values[1] ** 2, rel=1e-12)
    close(s.p_values, [common.t_pvalue(t, n - 2) for t in s.t_values], rtol=1e-15)
    text = str(s)
    assert f"on {n - 2} degrees of freedom" in text and "Adjusted R-squared" in text


def test_linear_regression_main_prints_both_and_draws(tmp_path, capsys):
    assert linear.main(["--n", "50", "--seed", "1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "2.9455" in printed and "0.9519" in printed and "seed=1" in printed
    assert (tmp_path / "linear_regression.png").stat().st_size > 1000


# ---------------------------------------------------------------------------------------
# Step 2: logistic regression
# ---------------------------------------------------------------------------------------


@st.composite
def binary_problem(draw, max_rows: int = 12, max_columns: int = 4):
    """(X, y, b) with 0/1 targets; b may be 0, where every p is 1/2 (softplus's join)."""
    X, _, b = draw(design(max_rows=max_rows, max_columns=max_columns))
    y = draw(arrays((len(X),), min_value=0, max_value=1)).round()
    return X, y, b


def mean_nll(b, X, y):
    return logistic.negative_log_likelihood(b, X, y, reduction="mean")


@given(binary_problem())
def test_logistic_autodiff_gradient_is_the_articles_delta(problem):
    X, y, b = problem
    close(autodiff_gradient(mean_nll, b, X, y), logistic.delta(b, X, y), np.abs(X).max())


@given(binary_problem())
def test_newton_hessian_from_tg_hessian_is_the_hand_formula(problem):
    X, y, b = problem
    p = logistic.sigmoid(X @ b)
    by_hand = X.T @ np.diag(p * (1 - p)) @ X
    close(logistic.hessian(b, X, y), by_hand, np.abs(X).max() ** 2 * len(y))


def test_gradient_descent_follows_the_articles_loop_step_by_step():
    X, y, _ = logistic.load_data()
    b, history = logistic.gradient_descent(X, y, lr=5.0, iterations=300, start=1.0)
    reference = np.ones(3)
    for i in range(300):
        assert history[i] == pytest.approx(logistic.log_likelihood(reference, X, y), rel=1e-12)
        reference = reference - 5.0 * logistic.delta(reference, X, y)
    close(b, reference, rtol=1e-9)
    # lr 5 overshoots at first: the log-likelihood zigzags for about 80 steps, then climbs
    assert np.any(np.diff(history[:100]) < 0) and np.all(np.diff(history[100:]) > 0)


def test_newton_reaches_rs_glm_within_25_iterations():
    X, y, names = logistic.load_data()
    fit = logistic.newton(X, y, start=0.0, max_iterations=25)
    assert fit.converged and fit.iterations <= 25
    expected = [logistic.ARTICLE[name] for name in names]
    np.testing.assert_allclose(fit.coefficients, expected, rtol=0, atol=1e-5)
    assert logistic.log_likelihood(fit.coefficients, X, y) == pytest.approx(-11.92523, abs=1e-5)


def test_the_log_likelihood_is_stable_where_the_articles_form_overflows():
    X, y, _ = logistic.load_data()
    b = np.array([0.0, 0.0, 1000.0])  # s = X b up to 1000: exp(s) is inf in float64
    with np.errstate(over="ignore"):
        assert np.isinf(np.sum(y * (X @ b) - np.log(1 + np.exp(X @ b))))
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # no RuntimeWarning
        ours = logistic.log_likelihood(b, X, y)
    s = X @ b
    assert ours == pytest.approx(np.sum(y * s - s - np.log1p(np.exp(-s))), rel=1e-12)


def test_glm_summary_matches_hand_computations():
    X, y, names = logistic.load_data()
    fit = logistic.newton(X, y)
    s = logistic.summarize(X, y, names, fit)
    p = logistic.sigmoid(X @ fit.coefficients)
    information = X.T @ (X * (p * (1 - p))[:, None])  # X' W X
    se = np.sqrt(np.diag(np.linalg.inv(information)))  # an explicit inverse is fine in a test
    close(s.std_errors, se, rtol=1e-8)
    close(s.z_values, fit.coefficients / se, rtol=1e-8)
    close(s.p_values, [math.erfc(abs(z) / math.sqrt(2)) for z in s.z_values], rtol=1e-8)
    assert s.null_deviance == pytest.approx(-2 * 100 * math.log(0.5), rel=1e-12)
    assert s.deviance == pytest.approx(2 * 11.92523, abs=1e-4)
    assert s.aic == pytest.approx(s.deviance + 6, rel=1e-12)
    assert "Residual deviance" in str(s) and "Pr(>|z|)" in str(s)


def test_newton_warns_when_it_does_not_converge():
    X, y, _ = logistic.load_data()
    with pytest.warns(UserWarning, match="newton: no convergence in 2 iterations"):
        fit = logistic.newton(X, y, max_iterations=2)
    assert not fit.converged and fit.iterations == 2


def test_logistic_regression_main_prints_both_and_draws(tmp_path, capsys):
    assert logistic.main(["--iterations", "50", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "-39.83851" in printed and "300,000" in printed and "Null deviance" in printed
    assert (tmp_path / "logistic_regression.png").stat().st_size > 1000


# ---------------------------------------------------------------------------------------
# Step 3: softmax regression
# ---------------------------------------------------------------------------------------


@st.composite
def multiclass_problem(draw, max_rows: int = 10, max_columns: int = 4, max_classes: int = 4):
    """(X, Y, W): Y one-hot rows of drawn labels, or (half the time) drawn probability rows."""
    X, _, _ = draw(design(max_rows=max_rows, max_columns=max_columns))
    n, p = X.shape
    k = draw(st.integers(2, max_classes))
    W = draw(arrays((p, k)))
    if draw(st.booleans()):
        Y = tg.data.one_hot(np.array(draw(st.lists(st.integers(0, k - 1), min_size=n,
                                                   max_size=n))), k)
    else:
        weights = draw(arrays((n, k), min_value=0.01, max_value=1))
        Y = weights / weights.sum(axis=1, keepdims=True)
    return X, Y, W


@given(multiclass_problem())
def test_softmax_autodiff_gradient_is_the_articles_delta(problem):
    X, Y, W = problem
    close(autodiff_gradient(softmax.cost, W, X, Y), softmax.delta(W, X, Y), np.abs(X).max())


@given(binary_problem())
def test_two_class_softmax_is_logistic_regression(problem):
    # softmax over scores (0, s) gives sigmoid(s) for the second class: step 3 with two
    # classes is step 2, with b = w_1 - w_0
    X, y, b = problem
    W = np.column_stack([np.zeros_like(b), b])
    with tg.no_grad():
        two_class = softmax.cost(*tensors(W, X, tg.data.one_hot(y.astype(int), 2))).item()
        binary = mean_nll(*tensors(b, X, y)).item()
    assert two_class == pytest.approx(binary, rel=1e-12, abs=1e-12)


def test_softmax_gradient_descent_follows_the_hand_loop():
    split = softmax.load_data(seed=1)
    Y = tg.data.one_hot(split.y_train, 3)
    W, history = softmax.gradient_descent(split.X_train, Y, lr=1.0, iterations=100)
    reference = np.zeros((5, 3))
    for _ in range(100):
        reference = reference - 1.0 * softmax.delta(reference, split.X_train, Y)
    close(W, reference, rtol=1e-9)
    assert history[0] == pytest.approx(math.log(3)) and np.all(np.diff(history) < 0)


def test_standardised_training_columns_have_mean_0_and_sd_1():
    split = softmax.load_data(seed=2)
    close(split.X_train[:, 1:].mean(axis=0), np.zeros(4), rtol=1e-12)
    close(split.X_train[:, 1:].std(axis=0), np.ones(4), rtol=1e-12)
    assert np.all(split.X_train[:, 0] == 1) and len(split.y_test) == 45


def test_softmax_regression_classifies_iris():
    result = softmax.run(seed=0)
    confusion = result["confusion"]
    assert confusion.sum() == 45 and result["pictures"] == []
    assert result["test_accuracy"] == pytest.approx(np.trace(confusion) / 45)
    assert result["test_accuracy"] >= 0.93 and result["train_accuracy"] >= 0.95


def test_softmax_regression_main_prints_and_draws(tmp_path, capsys):
    assert softmax.main(["--iterations", "50", "--seed", "4", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "true \\ predicted" in printed
    assert (tmp_path / "softmax_regression.png").stat().st_size > 1000


@pytest.mark.parametrize("step", ["linear_regression", "logistic_regression",
                                  "softmax_regression"])
def test_each_step_documents_its_options(step, capsys):
    import models.__main__ as dispatcher
    with pytest.raises(SystemExit) as exit:
        dispatcher.main([step, "--help"])
    assert exit.value.code == 0
    printed = capsys.readouterr().out
    assert f"python -m models {step}" in printed and "--out" in printed and "--lr" in printed
