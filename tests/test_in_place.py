"""In-place updates, PyTorch's way: `with tg.no_grad(): w -= lr * w.grad` changes w's numbers
and keeps w itself (its identity, requires_grad and .grad), so a training loop written by
hand, as in PyTorch's tutorials, trains the same tensor step after step."""

import numpy as np
import pytest

import tinygrad_edu as tg


def test_a_hand_written_gradient_descent_loop_trains_the_same_tensor():
    tg.manual_seed(0)
    X = tg.randn(50, 2)
    y = X @ tg.tensor([1.5, -2.0])
    w = tg.zeros(2, requires_grad=True)
    original = w
    for _ in range(200):
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        with tg.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
    assert w is original and w.requires_grad and w.is_leaf and w.dtype == np.float32
    np.testing.assert_allclose(w.numpy(), [1.5, -2.0], atol=1e-4)


@pytest.mark.parametrize("update, expected", [
    (lambda t: t.__iadd__(2), [3.0, 4.0]), (lambda t: t.__isub__(2), [-1.0, 0.0]),
    (lambda t: t.__imul__(tg.tensor([2.0, 3.0])), [2.0, 6.0]),
    (lambda t: t.__itruediv__(np.array([2.0, 4.0])), [0.5, 0.5]),
    (lambda t: t.zero_(), [0.0, 0.0])])
def test_each_in_place_operator_changes_the_numbers_where_they_are(update, expected):
    t = tg.tensor([1.0, 2.0])
    memory = t.array
    assert update(t) is t
    assert t.array is memory and t.dtype == np.float32  # float64 operands are cast back
    np.testing.assert_array_equal(t.numpy(), expected)


def test_a_tensor_that_requires_grad_is_not_changed_in_place_while_recording():
    w = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"-=: .*tg\.no_grad\(\)"):
        w -= 1
    np.testing.assert_array_equal(w.numpy(), [1.0, 1.0])  # nothing changed


def test_a_tensor_made_by_an_operation_can_be_changed_outside_the_graph():
    w = tg.ones(2, requires_grad=True)
    h = w * 2
    with tg.no_grad():
        h += 1  # allowed, as in PyTorch: it counts as a new version of h
    assert h._version == 1 and h.grad_fn is not None
    np.testing.assert_array_equal(h.numpy(), [3.0, 3.0])
    h.sum().backward()  # sum reads no saved numbers, and mul saved w and 2, not h
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 2.0])


def test_an_in_place_update_that_would_change_the_dtype_is_refused():
    counts = tg.tensor([1, 2])
    with pytest.raises(TypeError, match=r"\+=: the result has dtype float32, which cannot be "
                                        r"stored in place in a tensor of dtype int64"):
        counts += 0.5
    np.testing.assert_array_equal(counts.numpy(), [1, 2])
