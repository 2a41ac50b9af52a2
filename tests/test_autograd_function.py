"""`tg.autograd.Function`, PyTorch's way of writing a custom gradient: forward and backward
as static methods with a ctx, checked by gradcheck like any primitive."""

import numpy as np
import pytest
from test_pytorch_programs import LegendrePolynomial3  # the tutorial's example, as written

import tinygrad_edu as tg
import tinygrad_edu.autograd as autograd


class MulConstant(tg.autograd.Function):
    """PyTorch's documented example with a non-tensor argument (backward returns None)."""

    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class SortWithIndices(tg.autograd.Function):
    """Two outputs, one of them not differentiable (mark_non_differentiable)."""

    @staticmethod
    def forward(ctx, x):
        order = np.argsort(x.numpy(), kind="stable")
        ctx.order = order
        indices = tg.tensor(order)
        ctx.mark_non_differentiable(indices)
        return x[order], indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        assert ctx.needs_input_grad == (True,)
        out = tg.zeros(grad_values.shape, dtype=grad_values.dtype)
        out[ctx.order] = grad_values
        return out


class SplitHalves(tg.autograd.Function):
    """Two differentiable outputs: x * 2 and x ** 2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * 2, x ** 2

    @staticmethod
    def backward(ctx, g_double, g_square):
        x, = ctx.saved_tensors
        return g_double * 2 + g_square * 2 * x


def test_tg_autograd_is_the_module_with_function_grad_and_backward():
    assert tg.autograd is autograd
    assert autograd.Function is tg.autograd.Function and autograd.grad is tg.grad
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    autograd.backward([(x * x).sum(), (3 * x).sum()])
    assert x.grad.tolist() == [5.0, 7.0]


def test_legendre_polynomial_gradient_and_grad_fn():
    x = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = LegendrePolynomial3.apply(x)
    np.testing.assert_allclose(y.numpy(), 0.5 * (5 * x.numpy() ** 3 - 3 * x.numpy()))
    assert y.grad_fn.name() == "LegendrePolynomial3Backward"
    assert y.grad_fn.next_functions[0][0].variable is x
    y.backward(tg.ones(3))
    np.testing.assert_allclose(x.grad.numpy(), 1.5 * (5 * x.numpy() ** 2 - 1))


def test_gradcheck_and_gradgradcheck_work_on_a_function():
    xs = [np.array([0.3, -0.7, 1.2])]
    assert tg.gradcheck(LegendrePolynomial3.apply, xs)
    assert tg.gradgradcheck(LegendrePolynomial3.apply, xs)  # its backward is tensor code
    assert tg.gradcheck(lambda x: MulConstant.apply(x, 2.5), xs)
    assert tg.gradcheck(lambda x: SortWithIndices.apply(x)[0] * tg.tensor([1.0, 2.0, 3.0]), xs)
    assert tg.gradcheck(lambda x: sum(o * (i + 1) for i, o in enumerate(SplitHalves.apply(x))),
                        xs)


def test_non_differentiable_outputs_and_inputs_without_grad():
    x = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    values, indices = SortWithIndices.apply(x)
    assert values.requires_grad and not indices.requires_grad and indices.tolist() == [1, 2, 0]
    plain = LegendrePolynomial3.apply(tg.tensor([1.0]))  # no input requires grad
    assert not plain.requires_grad and plain.grad_fn is None
    with tg.no_grad():
        assert LegendrePolynomial3.apply(x).grad_fn is None


def test_saved_tensors_changed_in_place_are_refused():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = LegendrePolynomial3.apply(h)
    with tg.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="saved by save_for_backward was changed in place"):
        y.sum().backward()


def test_a_function_without_backward_says_so():
    class NoBackward(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    y = NoBackward.apply(tg.ones(2, requires_grad=True))
    with pytest.raises(NotImplementedError, match="static backward"):
        y.sum().backward()
