"""PyTorch's in-place methods and item assignment: each changes the tensor's own memory,
bumps its version, refuses a leaf that requires grad while recording, and inside a graph
is recorded (item assignment as the primitive `setitem`), so gradients stay right."""

import numpy as np
import pytest

import tinygrad_edu as tg

# (call, the numbers after it, from [1, 4, 9] float32), values as PyTorch gives them
METHODS = [
    (lambda t: t.add_(1), [2.0, 5.0, 10.0]),
    (lambda t: t.add_(tg.ones(3), alpha=2), [3.0, 6.0, 11.0]),
    (lambda t: t.sub_(1), [0.0, 3.0, 8.0]),
    (lambda t: t.sub_(tg.ones(3), alpha=3), [-2.0, 1.0, 6.0]),
    (lambda t: t.mul_(2), [2.0, 8.0, 18.0]),
    (lambda t: t.div_(tg.tensor([1.0, 2.0, 3.0])), [1.0, 2.0, 3.0]),
    (lambda t: t.pow_(0.5), [1.0, 2.0, 3.0]),
    (lambda t: t.clamp_(2, 5), [2.0, 4.0, 5.0]),
    (lambda t: t.clamp_(max=4), [1.0, 4.0, 4.0]),
    (lambda t: t.zero_(), [0.0, 0.0, 0.0]),
    (lambda t: t.fill_(7), [7.0, 7.0, 7.0]),
    (lambda t: t.copy_(tg.tensor([3, 2, 1])), [3.0, 2.0, 1.0]),
    (lambda t: t.copy_(tg.tensor(5.0)), [5.0, 5.0, 5.0]),
    (lambda t: t.exp_().log_(), [1.0, 4.0, 9.0]),
    (lambda t: t.sqrt_(), [1.0, 2.0, 3.0]),
    (lambda t: t.neg_(), [-1.0, -4.0, -9.0]),
    (lambda t: t.neg_().abs_(), [1.0, 4.0, 9.0]),
    (lambda t: t.masked_fill_(tg.tensor([True, False, True]), -1), [-1.0, 4.0, -1.0]),
    (lambda t: t.scatter_(0, tg.tensor([2, 0]), tg.tensor([10.0, 20.0])), [20.0, 4.0, 10.0]),
    (lambda t: t.scatter_(0, tg.tensor([1]), value=0.5), [1.0, 0.5, 9.0]),
    (lambda t: t.index_add_(0, tg.tensor([0, 0, 2]), tg.tensor([1.0, 2.0, 3.0])),
     [4.0, 4.0, 12.0]),
    (lambda t: t.index_add_(0, tg.tensor([1]), tg.tensor([1.0]), alpha=-4), [1.0, 0.0, 9.0]),
]


@pytest.mark.parametrize("call, expected", METHODS)
def test_each_in_place_method_changes_the_memory_and_bumps_the_version(call, expected):
    t = tg.tensor([1.0, 4.0, 9.0])
    memory, view = t.numpy(), t[1:]
    assert call(t) is t
    assert t.numpy() is memory and t.dtype == tg.float32 and t._version >= 1
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(view.numpy(), expected[1:], rtol=1e-6)  # views see it


def test_the_examples_of_pytorch_documentation():
    # Tensor.scatter_'s example: src written at the rows that index names, per column
    src = tg.arange(1, 11).reshape((2, 5))
    index = tg.tensor([[0, 1, 2, 0]])
    out = tg.zeros(3, 5, dtype=src.dtype).scatter_(0, index, src)
    assert out.tolist() == [[1, 0, 0, 4, 0], [0, 2, 0, 0, 0], [0, 0, 3, 0, 0]]
    index = tg.tensor([[0, 1, 2], [0, 1, 4]])
    out = tg.zeros(3, 5, dtype=src.dtype).scatter_(1, index, src)
    assert out.tolist() == [[1, 2, 3, 0, 0], [6, 7, 0, 0, 8], [0, 0, 0, 0, 0]]
    # Tensor.index_add_'s example
    x = tg.ones(5, 3)
    t = tg.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]], dtype=tg.float)
    x.index_add_(0, tg.tensor([0, 4, 2]), t)
    assert x.tolist() == [[2, 3, 4], [1, 1, 1], [8, 9, 10], [1, 1, 1], [5, 6, 7]]
    x = tg.ones(5, 3)
    x.index_add_(0, tg.tensor([0, 4, 2]), t, alpha=-1)
    assert x.tolist() == [[0, -1, -2], [1, 1, 1], [-6, -7, -8], [1, 1, 1], [-3, -4, -5]]


def test_item_assignment_outside_a_graph():
    t = tg.ones(4, 4)  # the tensors tutorial: tensor[:, 1] = 0
    t[:, 1] = 0
    t[0] = 5
    t[t > 4] = tg.tensor(2.0)
    assert t[0].tolist() == [2.0, 2.0, 2.0, 2.0] and t[1].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert t._version == 3
    ints = tg.tensor([1, 2, 3])
    ints[0] = 7.9  # stored in the tensor's dtype, as in PyTorch
    assert ints.tolist() == [7, 2, 3]
    with pytest.raises(IndexError, match=r"setitem: index 5 is out of bounds.*shape \(3,\)"):
        ints[5] = 1


def test_random_fills_draw_from_the_generator():
    a = tg.empty(3).uniform_(-1, 1, generator=tg.Generator().manual_seed(3))
    b = tg.empty(3).uniform_(-1, 1, generator=tg.Generator().manual_seed(3))
    assert a.tolist() == b.tolist() and (a.numpy() >= -1).all() and (a.numpy() < 1).all()
    c = tg.zeros(20000).normal_(2.0, 0.5)
    assert abs(c.numpy().mean() - 2.0) < 0.02 and abs(c.numpy().std() - 0.5) < 0.02
    with pytest.raises(TypeError, match="uniform_: needs a floating-point tensor"):
        tg.zeros(2, dtype=tg.long).uniform_()


def test_in_place_on_a_leaf_that_requires_grad_needs_no_grad():
    w = tg.ones(3, requires_grad=True)
    for change in (lambda: w.add_(1), lambda: w.uniform_(), lambda: w.__setitem__(0, 2.0),
                   lambda: w.fill_(0), lambda: w.clamp_(0, 1)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            change()
    with tg.no_grad():
        w.add_(1).mul_(2)
        w[0] = 0
    assert w.tolist() == [0.0, 4.0, 4.0] and w.is_leaf and w.requires_grad
    w.requires_grad_(False)
    assert not w.requires_grad


def test_item_assignment_in_a_graph_is_recorded_with_its_gradient():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = tg.tensor(10.0, requires_grad=True)
    h = x * 2
    h[1] = v * 3  # h = [2, 30, 6]
    assert h.node.op.name == "setitem" and h.grad_fn.name() == "IndexPutBackward0"
    (h * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert h.tolist() == [2.0, 30.0, 6.0]
    assert x.grad.tolist() == [2.0, 0.0, 6.0]  # the overwritten entry sends nothing to x
    assert v.grad.item() == 6.0                 # v receives g at the index, times 3


def test_in_place_methods_in_a_graph_differentiate_like_their_out_of_place_forms():
    def in_place(x):
        h = x * x
        h.mul_(3.0).add_(x, alpha=2).clamp_(max=10.0).masked_fill_(x.numpy() < -1, 0.5)
        return h.exp_()

    def out_of_place(x):
        h = (x * x * 3.0 + 2 * x).clip(max=10.0)
        return tg.where(x.numpy() < -1, 0.5, h).exp()

    x = tg.tensor(np.array([-2.0, -0.5, 0.3, 4.0]), requires_grad=True)
    np.testing.assert_allclose(in_place(x).numpy(), out_of_place(x).numpy())
    g1 = tg.grad(in_place(x).sum(), x)[0]
    g2 = tg.grad(out_of_place(x).sum(), x)[0]
    np.testing.assert_allclose(g1.numpy(), g2.numpy())
    xs = [np.array([-2.0, -0.5, 0.3, 1.1])]
    assert tg.gradcheck(in_place, xs) and tg.gradgradcheck(in_place, xs)


def test_copy_and_fill_send_the_gradient_to_the_source():
    src = tg.tensor([1.0, 2.0], requires_grad=True)
    value = tg.tensor(3.0, requires_grad=True)
    h = tg.zeros(2, 2) * src  # a non-leaf to copy into
    h.copy_(src * 2)
    h.sum().backward()
    assert src.grad.tolist() == [4.0, 4.0]  # copied to both rows, times 2
    k = src * 1
    k.fill_(value)
    k.sum().backward()
    assert value.grad.item() == 2.0


def test_a_change_after_use_is_caught_by_the_version_check():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h  # mul saves h
    h[0] = 5.0
    with pytest.raises(RuntimeError, match="changed in place since"):
        y.sum().backward()
    for change in (lambda t: t.add_(1), lambda t: t.exp_(), lambda t: t.uniform_(),
                   lambda t: t.copy_(tg.ones(2)), lambda t: t.scatter_(0, tg.tensor([0]),
                                                                       value=1.0)):
        h = x * 2
        y = h.exp()  # exp saves its output
        with tg.no_grad():
            change(y)
        with pytest.raises(RuntimeError, match="changed in place since"):
            y.sum().backward()
