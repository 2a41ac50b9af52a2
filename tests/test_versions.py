"""Version counters, PyTorch's rule for in-place changes: every in-place change bumps the
tensor's version; backward refuses a saved tensor whose version changed since it was saved
(its numbers are not the ones the forward used); in-place changes of tensors in a graph are
recorded, so they differentiate like the out-of-place formula."""

import numpy as np
import pytest

import tinygrad_edu as tg


def f64(*values, requires_grad=True):
    return tg.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def test_every_in_place_change_counts_as_a_version():
    t = tg.tensor([1.0, 2.0])
    assert t._version == 0
    t += 1
    t *= 2
    t.zero_()
    assert t._version == 3


def test_backward_refuses_a_saved_tensor_changed_in_place_and_says_what_to_do():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w * w).sum()
    with tg.no_grad():
        w -= 1.0
    with pytest.raises(RuntimeError) as error:
        loss.backward()
    message = str(error.value)
    for part in ("`mul`", "input", "shape (2,)", "version 0", "version 1", "clone()",
                 "after backward()"):
        assert part in message, part


def test_the_check_uses_only_what_a_vjp_reads():
    # add reads none of its inputs: changing one after the sum is harmless, as in PyTorch
    a, b = f64(1.0, 2.0), f64(3.0, 4.0)
    c = a + b
    with tg.no_grad():
        a += 10
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0])
    # exp reads its output, so changing the output refuses
    x = f64(0.0, 1.0)
    y = x.exp()
    z = y.sum()
    with tg.no_grad():
        y *= 2
    with pytest.raises(RuntimeError, match=r"`exp`.*its output"):
        z.backward()


def test_a_recorded_in_place_change_differentiates_like_the_formula():
    a, b = f64(1.0, 2.0), f64(3.0, 4.0)
    c = a + b
    c += c + 1                       # c = 2 (a + b) + 1, as micrograd's own tests do
    assert not c.is_leaf and c._version == 1
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0])


def test_operations_recorded_before_the_change_see_the_tensor_as_it_was():
    a = f64(1.0, 2.0)
    c = a * 1
    d = c * 3                        # uses c before the change
    c += 5                           # c = a + 5 from here on
    (d + c * c).sum().backward()     # 3 a + (a + 5)^2
    np.testing.assert_allclose(a.grad.numpy(), 3 + 2 * (a.numpy() + 5))


def test_a_constant_changed_by_a_tensor_that_requires_grad_joins_the_graph():
    w = f64(1.0, 2.0)
    x = tg.zeros(2, dtype=np.float64)
    x += w * w
    assert x.requires_grad and not x.is_leaf
    x.sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])


def test_second_derivatives_through_a_recorded_in_place_change():
    a = f64(1.0, 3.0)
    c = a * a
    c += a                           # a^2 + a
    (g,) = tg.grad(c.sum(), a, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), 2 * a.numpy() + 1)
    (h,) = tg.grad(g.sum(), a)
    np.testing.assert_array_equal(h.numpy(), [2.0, 2.0])


def test_a_change_whose_own_derivative_needs_the_old_numbers_is_refused_at_backward():
    a, d = f64(1.0, 2.0), f64(3.0, 4.0)
    c = a * 1
    c *= d                           # d's gradient needs c as it was, which is overwritten
    with pytest.raises(RuntimeError, match=r"`mul`.*changed in place"):
        c.sum().backward()


def test_a_leaf_that_requires_grad_is_not_changed_while_recording():
    w = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match=r"\+=: a leaf tensor that requires grad"):
        w += 1
    assert w._version == 0
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_views_share_the_version_of_the_tensor_they_view():
    x = f64(1.0, 2.0, 3.0, 4.0)
    base = x * 1
    view = base.reshape(2, 2)        # a view: the same memory
    assert np.shares_memory(view.numpy(), base.numpy())
    loss = (view * view).sum()       # saves the view
    with tg.no_grad():
        base += 1                    # changes the view's numbers too
    assert view._version == base._version == 1
    with pytest.raises(RuntimeError, match=r"`mul`.*changed in place"):
        loss.backward()


def test_changing_a_view_counts_as_a_change_of_the_tensor_it_views():
    x = f64(1.0, 2.0, 3.0, 4.0)
    base = x * 1
    loss = (base * base).sum()       # saves base
    row = base.reshape(2, 2)[0]      # a view of a view
    with tg.no_grad():
        row *= 0
    assert base._version == 1
    with pytest.raises(RuntimeError, match=r"`mul`.*changed in place"):
        loss.backward()


def test_a_copy_is_a_new_memory_with_its_own_version():
    x = f64(1.0, 2.0)
    base = x * 1
    copy = base.reshape(2, 1) + 0    # not a view
    loss = (base * base).sum()
    with tg.no_grad():
        copy += 1
    loss.backward()                  # base was not changed
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_a_view_in_a_graph_is_not_changed_while_recording():
    x = f64(1.0, 2.0)
    view = (x * 1).reshape(2, 1)
    with pytest.raises(RuntimeError, match=r"\+=: this tensor is a view"):
        view += 1


def test_detach_shares_the_version_and_data_does_not():
    x = f64(1.0, 2.0)
    y = x.exp()
    s = y.sum()
    detached = y.detach()
    detached += 1                    # PyTorch: seen by the version check
    assert y._version == 1
    with pytest.raises(RuntimeError, match=r"`exp`"):
        s.backward()
    z = x.exp()
    t = z.sum()
    z.data += 1                      # PyTorch: .data changes are not counted (beware)
    assert z._version == 0
    t.backward()                     # no error, and the gradient uses the changed numbers
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]) + 1)


def test_an_optimiser_step_is_a_new_version_of_each_parameter():
    w = f64(1.0, 2.0)
    opt = tg.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    loss = (w * w).sum()             # a graph that saved w
    opt.step()
    assert w._version == 1
    with pytest.raises(RuntimeError, match=r"`mul`.*version 0.*version 1"):
        loss.backward()


def test_initialising_and_loading_weights_are_new_versions():
    layer = tg.nn.Linear(2, 2)
    v = layer.weight._version
    tg.nn.init.zeros_(layer.weight)
    layer.load_state_dict({"weight": np.ones((2, 2), np.float32),
                           "bias": np.zeros(2, np.float32)})
    assert layer.weight._version == v + 2


def test_a_primitive_that_does_not_say_what_it_saves_is_checked_on_everything():
    from tinygrad_edu.primitive import Primitive

    twice = Primitive("twice", lambda x: 2 * x, lambda g, out, x: 2 * g)
    assert twice.formulas == ("vjp",)
    x = f64(1.0, 2.0)
    y = twice(x * 1)
    with tg.no_grad():
        y += 1                       # its output: it might have read it
    with pytest.raises(RuntimeError, match=r"`twice` saved its output"):
        y.sum().backward()


def test_saves_must_name_parameters_of_the_vjp():
    from tinygrad_edu.primitive import Primitive

    with pytest.raises(ValueError, match=r"square: a VJP saves 'z'"):
        Primitive("square", np.square, lambda g, out, x: 2 * g * x, saves=("z",))
