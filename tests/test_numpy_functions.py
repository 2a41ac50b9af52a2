"""numpy's functions on tensors (numpy_functions.py): every entry of its tables is checked
like a primitive (forward against numpy, in float32 and float64, with numpy's dtype;
gradcheck; gradgradcheck), `ndarray op Tensor` stays a Tensor with the operators' dtypes,
answers without a gradient run on the numbers, and the rest is refused by name."""

import importlib

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.numpy_functions import FUNCTIONS, UFUNCS
from tinygrad_edu.primitive import Primitive
from tinygrad_edu.testing import check_primitive
from tinygrad_edu.testing import strategies as tst

tensor_module = importlib.import_module("tinygrad_edu.tensor")  # tg.tensor is a function


def _inputs(*shapes, **options):
    return tst.array_tuples(shapes, **options).map(lambda arrays: (arrays, {}))


def _std_inputs():
    """Rows of two or more distinct entries (std has a kink where all entries are equal)."""
    shape = tst.shapes(min_dims=1, min_side=2)
    return tst.arrays(shape, distinct=True).map(lambda x: ((x,), {}))


INSIDE_STEPS = {"min_value": 0.1, "max_value": 0.4}  # no floor, ceil or rounding jump here

# (the numpy function, a call in numpy spelling that is also the reference, the domain,
#  min_dims or a strategy of inputs)
CASES = [
    (np.add, lambda x, y: np.add(x, y), "real", 0),
    (np.subtract, lambda x, y: np.subtract(x, y), "real", 0),
    (np.multiply, lambda x, y: np.multiply(x, y), "real", 0),
    (np.divide, lambda x, y: np.divide(x, y), "nonzero", 0),
    # x in [0.1, 0.4], y in [-0.9, -0.6]: x / y in (-0.67, -0.11), away from the jumps
    (np.remainder, lambda x, y: np.remainder(x, y), "real",
     _inputs((3,), (3,), **INSIDE_STEPS).map(lambda d: ((d[0][0], -0.5 - d[0][1]), {}))),
    (np.power, lambda x, y: np.power(x, y), "positive", 0),
    (np.matmul, lambda x, y: np.matmul(x, y), "real", _inputs((2, 3), (3,))),
    (np.negative, lambda x: np.negative(x), "real", 0),
    (np.positive, lambda x: np.positive(x), "real", 0),
    (np.maximum, lambda x, y: np.maximum(x, y), "distinct", 0),
    (np.minimum, lambda x, y: np.minimum(x, y), "distinct", 0),
    (np.logaddexp, lambda x, y: np.logaddexp(x, y), "real", 0),
    (np.arctan2, lambda y, x: np.arctan2(y, x), "nonzero", 0),
    (np.exp, lambda x: np.exp(x), "real", 0),
    (np.exp2, lambda x: np.exp2(x), "real", 0),
    (np.expm1, lambda x: np.expm1(x), "real", 0),
    (np.log, lambda x: np.log(x), "positive", 0),
    (np.log1p, lambda x: np.log1p(x), "positive", 0),
    (np.log2, lambda x: np.log2(x), "positive", 0),
    (np.log10, lambda x: np.log10(x), "positive", 0),
    (np.sqrt, lambda x: np.sqrt(x), "positive", 0),
    (np.square, lambda x: np.square(x), "real", 0),
    (np.reciprocal, lambda x: np.reciprocal(x), "nonzero", 0),
    (np.abs, lambda x: np.abs(x), "away from 0", 0),
    (np.fabs, lambda x: np.fabs(x), "away from 0", 0),
    (np.sin, lambda x: np.sin(x), "real", 0),
    (np.cos, lambda x: np.cos(x), "real", 0),
    (np.tan, lambda x: np.tan(x), "inside (-1, 1)", 0),
    (np.arcsin, lambda x: np.arcsin(x), "inside (-1, 1)", 0),
    (np.arccos, lambda x: np.arccos(x), "inside (-1, 1)", 0),
    (np.arctan, lambda x: np.arctan(x), "real", 0),
    (np.sinh, lambda x: np.sinh(x), "real", 0),
    (np.cosh, lambda x: np.cosh(x), "real", 0),
    (np.tanh, lambda x: np.tanh(x), "real", 0),
    (np.sign, lambda x: np.sign(x), "away from 0", 0),
    (np.floor, lambda x: np.floor(x), INSIDE_STEPS, 0),
    (np.ceil, lambda x: np.ceil(x), INSIDE_STEPS, 0),
    (np.trunc, lambda x: np.trunc(x), INSIDE_STEPS, 0),
    (np.rint, lambda x: np.rint(x), INSIDE_STEPS, 0),
    (np.sum, lambda x: np.sum(x, axis=-1, keepdims=True), "real", 1),
    (np.sum, lambda x: np.sum(x), "real", 0),
    (np.mean, lambda x: np.mean(x, axis=0), "real", 1),
    (np.prod, lambda x: np.prod(x, axis=-1), "real", 1),
    (np.max, lambda x: np.max(x, axis=0, keepdims=True), "distinct", 1),
    (np.amax, lambda x: np.amax(x), "distinct", 0),
    (np.min, lambda x: np.min(x, axis=-1), "distinct", 1),
    (np.amin, lambda x: np.amin(x), "distinct", 0),
    (np.var, lambda x: np.var(x, axis=-1, ddof=1), "real", _std_inputs()),
    (np.std, lambda x: np.std(x, axis=-1), "real", _std_inputs()),
    (np.cumsum, lambda x: np.cumsum(x), "real", 0),
    (np.cumprod, lambda x: np.cumprod(x, axis=0), "real", 1),
    (np.where, lambda x, y: np.where(x > y, x * y, 2.0), "distinct", 0),
    (np.clip, lambda x: np.clip(x, -2.0, 3.0), {"min_value": -1.9, "max_value": 2.9}, 0),
    (np.clip, lambda x: np.clip(x, None, -0.5), {"min_value": -0.4, "max_value": 5.0}, 0),
    (np.round, lambda x: np.round(10 * x, 1), {"min_value": 0.011, "max_value": 0.014}, 0),
    (np.dot, lambda x, y: np.dot(x, y), "real", _inputs((2, 3), (3, 2))),
    (np.outer, lambda x, y: np.outer(x, y), "real", 0),
    (np.reshape, lambda x: np.reshape(x, (-1, 1)), "real", 0),
    (np.ravel, lambda x: np.ravel(x), "real", 0),
    (np.transpose, lambda x: np.transpose(x), "real", 0),
    (np.transpose, lambda x: np.transpose(x, (1, 0)), "real", _inputs((2, 3))),
    (np.swapaxes, lambda x: np.swapaxes(x, 0, -1), "real", 1),
    (np.moveaxis, lambda x: np.moveaxis(x, 0, -1), "real", 1),
    (np.squeeze, lambda x: np.squeeze(x), "real", 0),
    (np.squeeze, lambda x: np.squeeze(x, axis=(0, 2)), "real", _inputs((1, 3, 1))),
    (np.expand_dims, lambda x: np.expand_dims(x, (0, -1)), "real", 0),
    (np.broadcast_to, lambda x: np.broadcast_to(x, (2,) + x.shape), "real", 0),
    (np.concatenate, lambda x, y: np.concatenate([x, y], axis=None), "real", 0),
    (np.concatenate, lambda x: np.concatenate([x, 2 * x], axis=-1), "real", 1),
    (np.stack, lambda x: np.stack([x, -x], axis=-1), "real", 0),
    (np.tile, lambda x: np.tile(x, (2, 1)), "real", 0),
    (np.flip, lambda x: np.flip(x), "real", 0),
    (np.flip, lambda x: np.flip(x, 0), "real", 1),
    (np.roll, lambda x: np.roll(x, 1), "real", 0),
    (np.roll, lambda x: np.roll(x, -1, axis=0), "real", 1),
    (np.sort, lambda x: np.sort(x), "distinct", 1),
    (np.sort, lambda x: np.sort(x, axis=None), "distinct", 0),
    (np.copy, lambda x: np.copy(x), "real", 0),
]


def _id(case):
    return f"{case[0].__name__}-{CASES.index(case)}"


@pytest.mark.parametrize("case", CASES, ids=map(_id, CASES))
def test_each_numpy_function_is_a_checked_primitive_on_tensors(case):
    function, call, domain, shape = case
    check_primitive(call, domain, reference=call, dtypes=(np.float32, np.float64),
                    max_examples=10, name=function.__name__,
                    **({"min_dims": shape} if isinstance(shape, int) else {"inputs": shape}))


def test_every_entry_of_the_tables_is_checked():
    tested = {case[0] for case in CASES}
    assert set(UFUNCS) | set(FUNCTIONS) == tested


# ---------------------------------------------------------------------------------------
# The VJP, in both walks
# ---------------------------------------------------------------------------------------

softsign = Primitive("softsign", lambda x: x / (1 + np.abs(x)),
                     lambda g, out, x: g / (1 + np.abs(x)) ** 2)


def test_a_vjp_in_numpy_spelling_runs_in_both_walks():
    x = tg.tensor([0.5, -2.0, 3.0], dtype=tg.float64, requires_grad=True)
    softsign(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 / (1 + np.abs(x.numpy())) ** 2)
    (g,) = tg.grad(softsign(x).sum(), x, create_graph=True)
    (gg,) = tg.grad(g.sum(), x)
    np.testing.assert_allclose(gg.numpy(), -2 * np.sign(x.numpy()) / (1 + np.abs(x.numpy())) ** 3)


def test_a_plain_backward_never_goes_through_the_protocols(monkeypatch):
    def refuse(*args):
        raise AssertionError("a plain backward handed a Tensor to numpy")

    monkeypatch.setattr(tensor_module.numpy_protocols, "ufunc", refuse)
    monkeypatch.setattr(tensor_module.numpy_protocols, "function", refuse)
    x = tg.randn(4, 3, requires_grad=True)
    w = tg.randn(3, 2, requires_grad=True)
    loss = (softsign(x @ w).relu().sigmoid() + (x @ w).abs().exp()).sum() + x.max()
    loss.backward()
    assert x.grad.shape == (4, 3) and w.grad.shape == (3, 2)


# ---------------------------------------------------------------------------------------
# Operators with an ndarray on the left, abs(), dtypes
# ---------------------------------------------------------------------------------------

OPERATORS = {
    "+": (lambda a, t: a + t, tg.Tensor.__radd__), "-": (lambda a, t: a - t, tg.Tensor.__rsub__),
    "*": (lambda a, t: a * t, tg.Tensor.__rmul__),
    "/": (lambda a, t: a / t, tg.Tensor.__rtruediv__),
    "**": (lambda a, t: a ** t, tg.Tensor.__rpow__),
}
OPERANDS = [  # (left operand, the tensor's dtype and shape)
    (np.array([1.0, 2.0]), np.float32, (2,)),
    (np.array([1.0, 2.0], dtype=np.float32), np.float64, ()),
    (np.array(2.0), np.float32, (2,)),
    (np.array([1, 2]), np.float32, (2,)),
    (np.float64(2.0), np.float32, (2,)),
    (np.float32(2.0), np.float16, ()),
    (np.array([True, False]), np.float32, (2,)),
]


@pytest.mark.parametrize("operator", OPERATORS)
@pytest.mark.parametrize("left, dtype, shape", OPERANDS)
def test_ndarray_op_tensor_is_the_tensor_s_reflected_operator(operator, left, dtype, shape):
    written, reflected = OPERATORS[operator]
    t = tg.tensor(np.full(shape, 1.5, dtype=dtype), requires_grad=True)
    out, expected = written(left, t), reflected(t, left)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_matmul_and_comparisons_with_an_ndarray_on_the_left():
    a, t = np.eye(2), tg.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    assert isinstance(a @ t, tg.Tensor) and (a @ t).requires_grad
    for compare in (np.less, np.equal, np.greater_equal):
        out = compare(a, t)
        assert isinstance(out, tg.Tensor) and out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.numpy(), compare(a, t.numpy()))


def test_python_abs_is_the_abs_primitive():
    t = tg.tensor([-1.5, 2.0], requires_grad=True)
    out = abs(t)
    assert out.node.op.name == "abs"
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [-1.0, 1.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_ufuncs_give_the_tensor_methods_dtypes(dtype):
    t = tg.tensor(np.array([1, 2], dtype=dtype))
    assert np.exp(t).dtype == t.exp().dtype and np.sqrt(t).dtype == t.sqrt().dtype
    assert np.add(t, 2.5).dtype == (t + 2.5).dtype
    assert np.multiply(2, t).dtype == (2 * t).dtype


# ---------------------------------------------------------------------------------------
# Answers without a gradient, and what is refused
# ---------------------------------------------------------------------------------------

def test_answers_without_a_gradient_run_on_the_numbers():
    t = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    assert np.shape(t) == (3,) and np.ndim(t) == 1 and np.argmax(t) == 2
    assert isinstance(np.isfinite(t), tg.Tensor) and bool(np.all(np.isfinite(t)))
    assert np.allclose(t, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(np.zeros_like(t).numpy(), np.zeros(3, dtype=np.float32))


def test_a_function_without_a_primitive_is_refused_by_name_where_a_gradient_is_wanted():
    t = tg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match="numpy.median on a Tensor that requires grad"):
        np.median(t)
    with pytest.raises(TypeError, match=r"numpy.arcsinh on a Tensor that requires grad"):
        np.arcsinh(t)
    with pytest.raises(TypeError, match=r"numpy.add.reduce.*\.reduce has no differentiable"):
        np.add.reduce(t)
    with pytest.raises(TypeError, match=r"numpy.sum.*only the arguments \(axis, keepdims\)"):
        np.sum(t, where=np.array([True, False, True]))
    with pytest.raises(TypeError, match=r"numpy.exp.*keywords \['out'\]"):
        np.exp(t, out=np.empty(3, dtype=np.float32))
    with tg.no_grad():  # no gradient wanted: numpy's answer
        assert np.median(t) == 3.0
    assert np.median(t.detach()) == 3.0


def test_where_with_a_condition_alone_and_dot_beyond_matrices():
    t = tg.tensor([[0.0, 2.0], [3.0, 0.0]], requires_grad=True)
    rows, columns = np.where(t)
    assert rows.tolist() == [0, 1] and columns.tolist() == [1, 0]
    with pytest.raises(TypeError, match="numpy.dot: a second operand of 3 dimensions"):
        np.dot(t, np.ones((2, 2, 2)))


def test_out_may_be_an_array_but_never_a_tensor():
    a = np.ones(2, dtype=np.float32)
    a += tg.tensor([1.0, 2.0])  # numbers without a gradient: numpy's in-place add
    assert type(a) is np.ndarray and a.tolist() == [2.0, 3.0]
    with pytest.raises(TypeError, match="numpy.add: out= cannot be a Tensor"):
        np.add(np.ones(2), np.ones(2), out=(tg.zeros(2),))


def test_unregistered_protocols_say_where_they_are():
    protocols = type(tensor_module.numpy_protocols)()
    with pytest.raises(RuntimeError, match="tinygrad_edu.numpy_functions"):
        protocols.ufunc(np.exp, "__call__", (), {})
