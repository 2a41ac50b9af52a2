"""PyTorch's math and shape functions, against the examples of PyTorch's documentation.

The expected values below are transcribed from the examples on PyTorch's documentation
pages (torch.div, torch.round, torch.roll, torch.gather, torch.scatter_, torch.topk,
torch.norm, torch.chunk, ...); PyTorch itself is never imported. The gradients of every
function are checked in tests/test_ops.py (the SPECS and COMPOSITIONS tables); here are
the conventions that table's drawn inputs stay away from: the zero gradient of the step
functions, products and norms at 0, ties in sorting.
"""

import math

import numpy as np
import pytest

import tinygrad_edu as tg


def same(t, expected, dtype=None):
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-4, atol=1e-4)
    if dtype is not None:
        assert t.dtype == dtype


# ---------------------------------------------------------------------------------------
# Elementwise
# ---------------------------------------------------------------------------------------

def test_div_rounding_modes_as_documented():
    a = tg.tensor([[-0.3711, -1.9353, -0.4605, -0.2917],
                   [0.1815, -1.0111, 0.9805, -1.5923],
                   [0.1062, 1.4581, 0.7759, -1.2344],
                   [-0.1830, -0.0313, 1.1908, -1.4757]])
    b = tg.tensor([0.8032, 0.2930, -0.8113, -0.2308])
    same(tg.div(a, b), [[-0.4620, -6.6051, 0.5676, 1.2639], [0.2260, -3.4509, -1.2086, 6.8990],
                        [0.1322, 4.9764, -0.9564, 5.3484], [-0.2278, -0.1068, -1.4678, 6.3938]])
    same(tg.div(a, b, rounding_mode="trunc"),
         [[-0., -6., 0., 1.], [0., -3., -1., 6.], [0., 4., -0., 5.], [-0., -0., -1., 6.]])
    same(tg.div(a, b, rounding_mode="floor"),
         [[-1., -7., 0., 1.], [0., -4., -2., 6.], [0., 4., -1., 5.], [-1., -1., -2., 6.]])
    x = tg.tensor([0.3810, 1.2774, -0.2972, -0.3719, 0.4637])
    same(tg.div(x, 0.5), [0.7620, 2.5548, -0.5944, -0.7438, 0.9274])
    # integers stay integers under a rounding mode (C's and Python's integer division)
    same(tg.tensor([-7, 7]).div(2, rounding_mode="trunc"), [-3, 3], np.int64)
    same(tg.tensor([-7, 7]).div(2, rounding_mode="floor"), [-4, 3], np.int64)
    with pytest.raises(ValueError, match="rounding_mode"):
        tg.div(a, b, rounding_mode="round")


def test_round_halves_to_even_and_decimals_as_documented():
    same(tg.round(tg.tensor((4.7, -2.3, 9.1, -7.7))), [5., -2., 9., -8.])
    np.testing.assert_array_equal(tg.round(tg.tensor([-0.5, 0.5, 1.5, 2.5])).numpy(),
                                  [-0., 0., 2., 2.])
    same(tg.round(tg.tensor([0.1234567]), decimals=3), [0.1230])
    same(tg.round(tg.tensor([1200.1234567]), decimals=-3), [1000.])


def test_frac_sign_floor_ceil_trunc():
    same(tg.frac(tg.tensor([1, 2.5, -3.2])), [0.0, 0.5, -0.2])
    same(tg.sign(tg.tensor([0.7, -1.2, 0., 2.3])), [1., -1., 0., 1.])
    x = tg.tensor([-1.5, -0.5, 0.5, 1.5])
    same(x.floor(), [-2, -1, 0, 1])
    same(x.ceil(), [-1, -0, 1, 2])
    same(x.trunc(), [-1, -0, 0, 1])
    same(tg.tensor([3, -2]).floor(), [3, -2], np.int64)  # integers are already whole


def test_step_functions_have_zero_gradient_and_frac_one_as_in_pytorch():
    x = tg.tensor([-1.5, 0.0, 2.0, 2.5], dtype=tg.float64, requires_grad=True)
    steps = [x.floor(), x.ceil(), x.trunc(), x.round(), x.sign()]
    assert all(s.requires_grad for s in steps)  # in the graph, as in PyTorch
    sum(s.sum() for s in steps).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 0])  # jumps included
    x.grad = None
    x.frac().sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1, 1])


def test_trigonometry_and_logarithms_at_known_points():
    same(tg.sin(tg.tensor([0.0, math.pi / 2])), [0, 1])
    same(tg.cos(tg.tensor([0.0, math.pi])), [1, -1])
    same(tg.tan(tg.tensor([math.pi / 4])), [1])
    same(tg.asin(tg.tensor([1.0])), [math.pi / 2])
    same(tg.acos(tg.tensor([-1.0])), [math.pi])
    same(tg.atan(tg.tensor([1.0])), [math.pi / 4])
    same(tg.atan2(tg.tensor([1.0, 1.0, -1.0]), tg.tensor([1.0, -1.0, -1.0])),
         [math.pi / 4, 3 * math.pi / 4, -3 * math.pi / 4])
    same(tg.sinh(tg.tensor([0.0])), [0])
    same(tg.cosh(tg.tensor([0.0])), [1])
    # float32 log10(1000) is 3 or one ulp above, by the CPU's SIMD kernel (AVX-512: 3.0000002)
    same(tg.log2(tg.tensor([8.0])), [3])
    same(tg.log10(tg.tensor([1000.0])), [3])
    tiny = tg.tensor([1e-20], dtype=tg.float64)
    assert tg.log1p(tiny).item() == 1e-20 and tg.expm1(tiny).item() == 1e-20  # not 0
    same(tg.rsqrt(tg.tensor([4.0, 0.25])), [0.5, 2.0])
    same(tg.reciprocal(tg.tensor([-2.0, 0.5])), [-0.5, 2.0])


def test_add_and_sub_with_alpha_and_the_named_operators():
    x, y = tg.tensor([1.0, 2.0]), tg.tensor([10.0, 20.0])
    same(tg.add(x, y, alpha=2), [21, 42])
    same(x.sub(y, alpha=0.5), [-4, -8])
    same(x.mul(y), [10, 40])
    same(x.pow(2), [1, 4])
    same(tg.neg(x), [-1, -2])
    same(tg.square(x), [1, 4])


def test_clamp_with_tensor_bounds():
    # min(max(x, low), high); where low > high, high wins, as PyTorch defines it
    x = tg.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
    low = tg.tensor([1.0, 0.0, 2.5, 4.0], requires_grad=True)
    out = tg.clamp(x, min=low, max=3.5)
    same(out, [1.0, 1.0, 2.5, 3.5])
    out.sum().backward()
    same(x.grad, [0, 1, 0, 0])
    same(low.grad, [1, 0, 1, 0])  # the last: low = 4 > 3.5, so the upper bound wins


# ---------------------------------------------------------------------------------------
# Reductions, scans, norms, sorting
# ---------------------------------------------------------------------------------------

def test_top_level_reductions_take_dim_keepdim_and_axis_keepdims():
    x = tg.tensor([[1.0, 5.0], [4.0, 2.0]])
    assert tg.sum(x, 1, keepdim=True).shape == tg.sum(x, axis=1, keepdims=True).shape == (2, 1)
    same(tg.mean(x, dim=0), [2.5, 3.5])
    values, indices = tg.max(x, 1)
    same(values, [5, 4]) and same(indices, [1, 0])
    same(tg.min(x, dim=0).indices, [0, 1])
    same(tg.max(x), 5.0)
    same(tg.max(x, tg.tensor([3.0, 3.0])), [[3, 5], [4, 3]])  # torch.max(input, other)
    same(tg.amax(x, (0, 1)), 5.0)
    same(tg.argmax(x), 1) and same(tg.argmin(x, dim=1), [0, 1])
    same(tg.prod(x, 1), [5, 8])
    same(tg.std(tg.tensor([1.0, 2.0, 3.0, 4.0])), [1.2910])
    same(tg.std(tg.tensor([1.0, 2.0, 3.0, 4.0]), unbiased=False), [1.1180])
    same(tg.var(x, 0), [4.5, 4.5])
    # PyTorch's positional overloads: (dim, unbiased, keepdim) and (unbiased)
    same(tg.var(x, 0, False), [2.25, 2.25])
    assert tg.var(x, 0, True, True).shape == (1, 2)
    same(tg.std(tg.tensor([1.0, 2.0, 3.0, 4.0]), False), [1.1180])
    same(tg.logsumexp(tg.tensor([0.0, 0.0]), 0), math.log(2))


def test_prod_and_cumprod_gradients_with_zeros():
    # d prod / dx_j is the product of the other entries, also where some entry is 0
    x = tg.tensor([2.0, 0.0, 3.0, 4.0], dtype=tg.float64, requires_grad=True)
    x.prod().backward()
    same(x.grad, [0, 24, 0, 0])
    x.grad = None
    out = x.cumprod(0)
    same(out, [2, 0, 0, 0])
    out.sum().backward()  # d/dx_1 of 2 + 2 x1 + 2 x1 x2 + 2 x1 x2 x3 at x = (2, 0, 3, 4)
    same(x.grad, [1, 2 + 6 + 24, 0, 0])
    same(tg.cumsum(tg.tensor([[1, 2], [3, 4]]), 0), [[1, 2], [4, 6]])
    same(tg.prod(tg.zeros(0)), 1.0)


def test_norm_as_documented_and_its_gradient_at_zero():
    a = tg.arange(9, dtype=tg.float32) - 4
    same(tg.norm(a), 7.7460)
    same(tg.norm(a.reshape(3, 3)), 7.7460)
    same(tg.norm(a, float("inf")), 4.0)
    c = tg.tensor([[1.0, 2.0, 3.0], [-1.0, 1.0, 4.0]])
    same(tg.norm(c, dim=0), [1.4142, 2.2361, 5.0000])
    same(tg.norm(c, dim=1), [3.7417, 4.2426])
    same(tg.norm(c, p=1, dim=1), [6.0, 6.0])
    same(tg.norm(tg.tensor([0.0, 3.0, -2.0]), 0), 2.0)  # how many entries are not 0
    z = tg.zeros(3, requires_grad=True)
    z.norm().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0, 0, 0])  # 0, not NaN, as in PyTorch


def test_topk_and_sort_as_documented():
    x = tg.arange(1.0, 6.0)
    values, indices = tg.topk(x, 3)
    same(values, [5, 4, 3]) and same(indices, [4, 3, 2])
    values, indices = tg.topk(x, 2, largest=False)
    same(values, [1, 2]) and same(indices, [0, 1])
    # ties keep their order (a stable sort), in both directions
    same(tg.sort(tg.tensor([2.0, 1.0, 2.0, 1.0])).indices, [1, 3, 0, 2])
    same(tg.sort(tg.tensor([2.0, 1.0, 2.0, 1.0]), descending=True).indices, [0, 2, 1, 3])
    same(tg.argsort(tg.tensor([[3, 1], [0, 5]]), dim=0), [[1, 0], [0, 1]])


def test_sorted_values_send_their_gradient_back_where_they_came_from():
    x = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (x.sort().values * tg.tensor([1.0, 10.0, 100.0])).sum().backward()
    same(x.grad, [100, 1, 10])


# ---------------------------------------------------------------------------------------
# Matrix products and einsum
# ---------------------------------------------------------------------------------------

def test_matrix_products_as_documented():
    same(tg.dot(tg.tensor([2, 3]), tg.tensor([2, 1])), 7)
    same(tg.outer(tg.arange(1.0, 5.0), tg.arange(1.0, 4.0)),
         [[1, 2, 3], [2, 4, 6], [3, 6, 9], [4, 8, 12]])
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    same(tg.mm(m, m), [[7, 10], [15, 22]])
    same(tg.mv(m, tg.tensor([1.0, 1.0])), [3, 7])
    same(tg.bmm(m.unsqueeze(0), m.unsqueeze(0)), [[[7, 10], [15, 22]]])
    same(m.matmul(m), [[7, 10], [15, 22]])
    with pytest.raises(ValueError, match="mm: expects 2-D"):
        tg.mm(m, tg.tensor([1.0, 1.0]))


def test_einsum_common_subscripts():
    m = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    v = tg.tensor([1.0, 10.0])
    same(tg.einsum("ii", m), 5)
    same(tg.einsum("ii->i", m), [1, 4])
    same(tg.einsum("ij->ji", m), [[1, 3], [2, 4]])
    same(tg.einsum("ij,j->i", m, v), [21, 43])
    same(tg.einsum("i,i->", v, v), 101)
    same(tg.einsum("ij,jk->ik", [m, m]), [[7, 10], [15, 22]])  # operands as a list too
    same(tg.einsum("ij->", m), 10)
    with pytest.raises(ValueError, match="einsum"):
        tg.einsum("...ij->ij", m)
    with pytest.raises(ValueError, match="einsum"):
        tg.einsum("ij,jk->ik", m)


# ---------------------------------------------------------------------------------------
# Comparisons and logic
# ---------------------------------------------------------------------------------------

def test_comparisons_and_logic_as_documented():
    assert tg.isclose(tg.tensor((1.0, 2, 3)), tg.tensor((1 + 1e-10, 3, 4))).tolist() == \
        [True, False, False]
    assert tg.isclose(tg.tensor((float("inf"), 4)), tg.tensor((float("inf"), 6)),
                      rtol=.5).tolist() == [True, True]
    assert not tg.allclose(tg.tensor([10000., 1e-07]), tg.tensor([10000.1, 1e-08]))
    assert tg.allclose(tg.tensor([10000., 1e-08]), tg.tensor([10000.1, 1e-09]))
    assert tg.allclose(tg.tensor([1.0, float("nan")]), tg.tensor([1.0, float("nan")]),
                       equal_nan=True)
    assert tg.equal(tg.tensor([1, 2]), tg.tensor([1, 2]))
    assert not tg.equal(tg.tensor([1, 2]), tg.tensor([[1, 2]]))
    assert tg.logical_and(tg.tensor([True, False, True]),
                          tg.tensor([True, False, False])).tolist() == [True, False, False]
    assert tg.logical_or(tg.tensor([True, False]), tg.tensor([False, False])).tolist() == \
        [True, False]
    assert tg.logical_not(tg.tensor([0.0, 1.5])).tolist() == [True, False]
    x = tg.tensor([1.0, 2.0, 3.0])
    assert [f(x, 2.0).tolist() for f in (tg.eq, tg.ne, tg.lt, tg.le, tg.gt, tg.ge)] == [
        [False, True, False], [True, False, True], [True, False, False],
        [True, True, False], [False, False, True], [False, True, True]]
    assert tg.any(tg.tensor([[0, 0], [0, 1]]), dim=1).tolist() == [False, True]
    assert tg.all(tg.tensor([[1, 1], [0, 1]]), dim=0).tolist() == [False, True]
    assert not (x > 1).requires_grad


def test_nonzero_and_unique_as_documented():
    same(tg.nonzero(tg.tensor([1, 1, 1, 0, 1])), [[0], [1], [2], [4]])
    same(tg.nonzero(tg.tensor([[0.6, 0.0, 0.0, 0.0], [0.0, 0.4, 0.0, 0.0],
                               [0.0, 0.0, 1.2, 0.0], [0.0, 0.0, 0.0, -0.4]])),
         [[0, 0], [1, 1], [2, 2], [3, 3]])
    (rows,) = tg.nonzero(tg.tensor([1, 1, 1, 0, 1]), as_tuple=True)
    same(rows, [0, 1, 2, 4])
    same(tg.unique(tg.tensor([1, 3, 2, 3])), [1, 2, 3])
    output, inverse = tg.unique(tg.tensor([[1, 3], [2, 3]]), sorted=True, return_inverse=True)
    same(output, [1, 2, 3]) and same(inverse, [[0, 2], [1, 2]])
    values, counts = tg.tensor([2, 1, 2]).unique(return_counts=True)
    same(values, [1, 2]) and same(counts, [1, 2])


# ---------------------------------------------------------------------------------------
# Shapes and picking
# ---------------------------------------------------------------------------------------

def test_roll_as_documented():
    x = tg.tensor([1, 2, 3, 4, 5, 6, 7, 8]).view(4, 2)
    same(tg.roll(x, 1), [[8, 1], [2, 3], [4, 5], [6, 7]])
    same(tg.roll(x, 1, 0), [[7, 8], [1, 2], [3, 4], [5, 6]])
    same(tg.roll(x, -1, 0), [[3, 4], [5, 6], [7, 8], [1, 2]])
    same(tg.roll(x, shifts=(2, 1), dims=(0, 1)), [[6, 5], [8, 7], [2, 1], [4, 3]])


def test_gather_and_scatter_as_documented():
    t = tg.tensor([[1, 2], [3, 4]])
    same(tg.gather(t, 1, tg.tensor([[0, 0], [1, 0]])), [[1, 1], [4, 3]])
    src = tg.arange(1, 11).reshape((2, 5))
    same(tg.zeros(3, 5, dtype=src.dtype).scatter(0, tg.tensor([[0, 1, 2, 0]]), src),
         [[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]])
    same(tg.zeros(3, 5, dtype=src.dtype).scatter(1, tg.tensor([[0, 1, 2], [0, 1, 4]]), src),
         [[1, 2, 3, 0, 0], [6, 7, 0, 0, 8], [0, 0, 0, 0, 0]])
    same(tg.full((2, 4), 2.0).scatter(1, tg.tensor([[2], [3]]), 1.23),
         [[2.0, 2.0, 1.23, 2.0], [2.0, 2.0, 2.0, 1.23]])


def test_gather_gradient_adds_repeats_and_scatter_keeps_the_last():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.gather(0, tg.tensor([2, 2, 0])).sum().backward()
    same(x.grad, [1, 0, 2])
    src = tg.tensor([10.0, 20.0], requires_grad=True)
    out = tg.zeros(3).scatter(0, tg.tensor([1, 1]), src)
    same(out, [0, 20, 0])  # the last entry for a repeated position
    out.sum().backward()
    same(src.grad, [0, 1])


def test_shape_functions_as_documented():
    x = tg.tensor([1, 2, 3])
    same(x.repeat(4, 2), [[1, 2, 3, 1, 2, 3]] * 4)
    assert x.repeat(4, 2, 1).shape == (4, 2, 3)
    same(x.tile((2,)), [1, 2, 3, 1, 2, 3])
    same(tg.tile(tg.tensor([[1, 2], [3, 4]]), (2, 2)),
         [[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]])
    assert [c.tolist() for c in tg.arange(11).chunk(6)] == \
        [[0, 1], [2, 3], [4, 5], [6, 7], [8, 9], [10]]
    assert [c.tolist() for c in tg.arange(13).chunk(6)] == \
        [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9, 10, 11], [12]]
    a = tg.arange(10).reshape(5, 2)
    assert [p.tolist() for p in tg.split(a, 2)] == [[[0, 1], [2, 3]], [[4, 5], [6, 7]], [[8, 9]]]
    assert [p.shape for p in tg.split(a, [1, 4])] == [(1, 2), (4, 2)]
    m = tg.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    same(tg.narrow(m, 0, 0, 2), [[1, 2, 3], [4, 5, 6]])
    same(tg.narrow(m, 1, 1, 2), [[2, 3], [5, 6], [8, 9]])
    same(tg.narrow(m, -1, -1, 1), [[3], [6], [9]])
    t = tg.zeros(3, 2, 1)
    assert tg.movedim(t, 1, 0).shape == (2, 3, 1)
    assert tg.movedim(t, (1, 2), (0, 1)).shape == (2, 1, 3)
    same(tg.flip(tg.arange(8).view(2, 2, 2), [0, 1]), [[[6, 7], [4, 5]], [[2, 3], [0, 1]]])
    assert tg.unflatten(tg.zeros(3, 4, 1), 1, (2, 2)).shape == (3, 2, 2, 1)
    assert tg.unflatten(tg.zeros(3, 4, 1), 1, (-1, 2)).shape == (3, 2, 2, 1)
    same(tg.index_select(m, 1, tg.tensor([0, 2])), [[1, 3], [4, 6], [7, 9]])
    same(m.masked_fill(m > 4, 0), [[1, 2, 3], [4, 0, 0], [0, 0, 0]])
    same(m.t(), [[1, 4, 7], [2, 5, 8], [3, 6, 9]])
    assert m.view_as(tg.zeros(9)).shape == m.reshape_as(tg.zeros(1, 9)).shape[1:] == (9,)
    assert tg.ones(1, 3).expand_as(m).shape == (3, 3)
    assert m.dim() == 2 and tg.numel(m) == 9 and m.size(1) == 3


def test_contiguous_copies_only_a_permuted_layout():
    m = tg.zeros(2, 3)
    assert m.contiguous() is m
    transposed = m.t()
    assert transposed.contiguous() is not transposed
    assert transposed.contiguous().numpy().flags.c_contiguous


def test_new_primitives_refuse_inputs_changed_in_place_after_use():
    # the version rule of the engine holds for them: sin saved x, cumsum saved nothing
    x = tg.tensor([0.5, 1.0], requires_grad=True)
    y = x * 1.0
    out = y.sin()
    with tg.no_grad():
        y += 1
    with pytest.raises(RuntimeError, match="changed in place"):
        out.sum().backward()
    y = x * 1.0
    out = y.cumsum(0)
    with tg.no_grad():
        y += 1
    out.sum().backward()  # cumsum's VJP reads only g
    same(x.grad, [2, 1])


def test_every_function_is_its_method():
    x = tg.tensor([[0.5, -1.5], [2.0, 0.25]])
    for name in ("sin", "exp", "floor", "cumsum", "flip", "t", "sort", "unique"):
        args = (0,) if name in ("cumsum", "flip") else ()
        got, expected = getattr(tg, name)(x, *args), getattr(x, name)(*args)
        got, expected = (got[0], expected[0]) if isinstance(got, tuple) else (got, expected)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    assert tg.sin.__name__ == "sin" and "sin" in tg.__all__ and "einsum" in tg.__all__
