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
from models import mlp
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
