"""Users' own primitives, written in plain numpy, property-tested in one line each with
`tg.testing.check_primitive`; and what it catches."""


import numpy as np
import pytest
from hypothesis import given

import tinygrad_edu as tg
from tinygrad_edu.primitive import Primitive
from tinygrad_edu.testing import PrimitiveCheckError, check_primitive
from tinygrad_edu.testing import strategies as tst

# ---------------------------------------------------------------------------------------
# Five primitives as a user writes them: numpy forward, VJP in numpy spelling
# ---------------------------------------------------------------------------------------

# x / (1 + |x|); d/dx = 1 / (1 + |x|)^2 (its second derivative jumps at 0)
softsign = Primitive("softsign", lambda x: x / (1 + np.abs(x)),
                     lambda g, out, x: g / (1 + np.abs(x)) ** 2)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# x sigmoid(x); d/dx = s + x s (1 - s)
swish = Primitive("swish", lambda x: x * _sigmoid(x),
                  lambda g, out, x: g * (_sigmoid(x) + x * _sigmoid(x) * (1 - _sigmoid(x))))

# x^2 for x > 0, x / 2 elsewhere; d/dx = 2x or 1/2
piecewise = Primitive("piecewise", lambda x: np.where(x > 0, x * x, 0.5 * x),
                      lambda g, out, x: g * np.where(x > 0, 2 * x, 0.5))

# the Euclidean norm of each row, kept as a column; d/dx = x / norm
row_norm = Primitive("row_norm", lambda x: np.sqrt(np.sum(x * x, axis=-1, keepdims=True)),
                     lambda g, out, x: g * x / np.sqrt(np.sum(x * x, axis=-1, keepdims=True)))

# log(cosh(x)) = log(e^x + e^-x) - log 2, which never overflows; d/dx = tanh(x)
log_cosh = Primitive("log_cosh", lambda x: np.logaddexp(x, -x) - np.log(2.0),
                     lambda g, out, x: g * np.tanh(x))

# a binary one: the gradient is summed back over the broadcast axes by the Tensor layer
# (check_primitive expands the inputs to a common shape, as it does)
hypot = Primitive("hypot", lambda x, y: np.sqrt(x * x + y * y),
                  lambda g, out, x, y: g * x / out,
                  lambda g, out, x, y: g * y / out)


@pytest.mark.parametrize("primitive, domain, min_dims", [
    (softsign, "away from 0", 0),
    (swish, "real", 0),
    (piecewise, "away from 0", 0),
    (row_norm, "away from 0", 1),
    (log_cosh, "real", 0),
    (hypot, "nonzero", 0),
], ids=lambda value: getattr(value, "name", None))
def test_users_primitives_in_numpy_spelling_pass_check_primitive(primitive, domain, min_dims):
    check_primitive(primitive, domain, min_dims=min_dims)


def test_a_plain_backward_runs_the_vjp_on_arrays_and_create_graph_on_tensors():
    seen = []

    def vjp(g, out, x):
        seen.append(type(x))
        return g / (1 + np.abs(x)) ** 2

    spy = Primitive("softsign", lambda x: x / (1 + np.abs(x)), vjp)
    x = tg.tensor([0.5, -2.0], requires_grad=True)
    spy(x).sum().backward()
    tg.grad(spy(x).sum(), x, create_graph=True)
    assert seen == [np.ndarray, tg.Tensor]


# ---------------------------------------------------------------------------------------
# What check_primitive catches
# ---------------------------------------------------------------------------------------

# A cosine whose VJP lost its minus sign: the sine's first derivative is still right,
# its second derivative is not
wrong_cos = Primitive("cos", np.cos, lambda g, out, x: g * np.sin(x))
sine = Primitive("sine", np.sin, lambda g, out, x: g * wrong_cos(x))


def test_a_missing_sign_in_the_second_derivative_is_caught_and_named():
    assert tg.gradcheck(sine, [np.linspace(-2, 2, 5)])
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(sine)
    message = str(caught.value)
    assert message.startswith("check_primitive(sine): gradgradcheck (second derivatives)")
    assert "input 0 at position" in message  # the worst entry of the Jacobian
    assert "input 0: " in message            # the failing input itself


def test_a_wrong_first_derivative_and_a_forward_that_is_not_numpy_s_are_caught():
    wrong_softsign = Primitive("softsign", lambda x: x / (1 + np.abs(x)),
                               lambda g, out, x: g / (1 + np.abs(x)))  # square missing
    with pytest.raises(PrimitiveCheckError, match=r"check_primitive\(softsign\): gradcheck"):
        check_primitive(wrong_softsign, "away from 0")
    with pytest.raises(PrimitiveCheckError, match="numpy's answer"):
        check_primitive(softsign, "away from 0", reference=lambda x: x / (1 + x * x))


def test_a_forward_that_is_not_finite_in_its_domain_is_caught():
    log = Primitive("my_log", np.log, lambda g, out, x: g / x)
    check_primitive(log, "positive")
    with pytest.raises(PrimitiveCheckError, match=r"my_log\): the forward is not finite"), \
            np.errstate(divide="ignore", invalid="ignore"):
        check_primitive(log, "real")


def test_the_failing_example_is_the_smallest_hypothesis_found():
    # the VJP is wrong only where x > 1: hypothesis shrinks to a single small entry
    kinked = Primitive("kinked", lambda x: x * x,
                       lambda g, out, x: g * np.where(x > 1, x, 2 * x))
    with pytest.raises(PrimitiveCheckError) as caught:
        check_primitive(kinked)
    inputs = str(caught.value).split("input 0: ")[1]
    assert "(shape ()" in inputs or "(shape (1,)" in inputs


def test_domains_and_custom_inputs():
    for domain in tg.testing.DOMAINS:
        if domain != "distinct":  # a custom option dict works the same way
            check_primitive(lambda x: x * 1.0, domain, max_examples=5)
    check_primitive(tg.maximum, {"distinct": True}, max_examples=5)
    with pytest.raises(KeyError):
        check_primitive(softsign, "reals")


def test_distinct_values_skip_drawn_shapes_too_large_and_refuse_fixed_ones():
    # [0, 1] holds 5 values pairwise 0.1 apart (one per slot of 0.2): a drawn shape that
    # asks for more is skipped, a fixed one is the caller's mistake
    @given(tst.array_tuples([(2,), tst.shapes(max_dims=1, max_side=4)], min_value=0.0,
                            max_value=1.0, distinct=True))
    def drawn(pair):
        values = np.sort(np.concatenate([a.ravel() for a in pair]))
        assert len(values) <= 5 and np.all(np.diff(values) >= 0.1)
    drawn()

    @given(tst.array_tuples([(6,)], min_value=0.0, max_value=1.0, distinct=True))
    def fixed(_):
        pass
    with pytest.raises(ValueError, match="cannot draw 6 values pairwise 0.1 apart"):
        fixed()
