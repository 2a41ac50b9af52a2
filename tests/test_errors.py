"""Bad input gets a clear error naming the operation and the problem (issue 2, item 8),
never a bare numpy traceback from inside the engine."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg

F = tg.nn.functional


def x3() -> tg.Tensor:
    return tg.tensor([1.0, 2.0, 3.0], requires_grad=True)


def scores() -> tg.Tensor:
    return tg.tensor(np.zeros((2, 3)), requires_grad=True)


def test_matmul_shape_mismatch_names_both_shapes():
    x, W = tg.zeros(10, 784), tg.zeros(100, 10, requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("matmul: (10, 784) @ (100, 10)")):
        x @ W
    with pytest.raises(ValueError, match=r"matmul: .*\(3,\) @ \(2, 3\)"):
        tg.matmul(x3(), scores())


@pytest.mark.parametrize("op, name", [(lambda a, b: a + b, "add"),
                                      (lambda a, b: a * b, "mul")], ids=["+", "*"])
def test_broadcast_mismatch_names_the_op_and_the_shapes(op, name):
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\), \(4,\) cannot be "
                                         rf"broadcast"):
        op(scores(), tg.ones(4))


def test_backward_on_a_non_scalar_needs_a_gradient():
    with pytest.raises(RuntimeError, match=r"backward: .*scalar.*shape \(3,\)"):
        (x3() * 2).backward()


def test_a_second_backward_through_a_freed_graph():
    y = (x3().exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"backward: .*second time.*retain_graph=True"):
        y.backward()


@pytest.mark.parametrize("make", [lambda: tg.tensor([1, 2], requires_grad=True),
                                  lambda: tg.arange(3, requires_grad=True),
                                  lambda: tg.tensor([1, 2]).requires_grad_()],
                         ids=["tensor", "arange", "requires_grad_"])
def test_an_integer_tensor_cannot_require_grad(make):
    with pytest.raises(TypeError, match=r"requires_grad: only floating-point .* int64"):
        make()


def test_grad_of_an_input_that_does_not_require_grad():
    x, constant = x3(), tg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="grad: input 1 does not require grad"):
        tg.grad((x * constant).sum(), [x, constant])


def test_a_gradient_of_the_wrong_shape():
    x = x3()
    y = x * 2
    with pytest.raises(RuntimeError, match=r"backward: gradient has shape \(4,\), but the "
                                           r"output has shape \(3,\)"):
        y.backward(gradient=np.ones(4))
    with pytest.raises(RuntimeError, match=r"grad: gradient has shape \(2, 3\)"):
        tg.grad(y, x, grad_outputs=[np.ones((2, 3))])


def test_reshape_into_a_wrong_size():
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) into \(4,\)"):
        scores().reshape(4)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) into \(4, -1\)"):
        scores().view(4, -1)


@pytest.mark.parametrize("loss, target, message", [
    (F.cross_entropy, np.array([0, 3]), r"cross_entropy: .*class 3.*3 classes"),
    (F.cross_entropy, np.array([-1, 0]), r"cross_entropy: .*class -1.*3 classes"),
    (F.cross_entropy, np.array([0, 1, 2]), r"cross_entropy: .*shape \(2,\).*\(3,\)"),
    (F.cross_entropy, np.ones((2, 4)), r"cross_entropy: .*\(2, 3\).*\(2, 4\)"),
    (F.nll_loss, np.array([0, 7]), r"nll_loss: .*class 7.*3 classes"),
    (F.nll_loss, np.array([0.0, 1.0]), r"nll_loss: .*integer class indices.*float64"),
], ids=["ce class too big", "ce negative class", "ce too many targets",
        "ce one-hot shape", "nll class too big", "nll float classes"])
def test_bad_classification_targets(loss, target, message):
    with pytest.raises(ValueError, match=message):
        loss(scores(), target)


@pytest.mark.parametrize("loss", [F.mse_loss, F.binary_cross_entropy,
                                  F.binary_cross_entropy_with_logits],
                         ids=lambda f: f.__name__)
def test_loss_shape_mismatch(loss):
    p = tg.tensor([0.2, 0.5, 0.7], requires_grad=True)
    with pytest.raises(ValueError, match=rf"{loss.__name__}: input shape \(3,\) and target "
                                         rf"shape \(4,\) differ"):
        loss(p, np.ones(4))


@pytest.mark.parametrize("p", [[0.5, 1.5], [-0.1, 0.5]], ids=["above 1", "below 0"])
def test_binary_cross_entropy_needs_probabilities(p):
    with pytest.raises(ValueError, match=r"binary_cross_entropy: .*probabilities in \[0, 1\]"):
        F.binary_cross_entropy(tg.tensor(p), np.ones(2))


def test_item_of_a_multi_element_tensor():
    with pytest.raises(ValueError, match=r"item: only one-element tensors .*shape \(3,\)"):
        x3().item()


def test_item_assignment_on_a_leaf_that_requires_grad():
    with pytest.raises(RuntimeError, match="setitem: a leaf tensor that requires grad cannot "
                                           "be changed in place while grad mode is on"):
        x3()[0] = 5.0


# ---------------------------------------------------------------------------------------
# No bare numpy traceback: the error names the operation, and no numpy exception shows
# as its context ("During handling of the above exception, another exception occurred")
# ---------------------------------------------------------------------------------------

BAD_CALLS = {
    "getitem out of range": (lambda: x3()[5], "getitem"),
    "getitem float index": (lambda: x3()[1.5], "getitem"),
    "getitem bool mask shape": (lambda: x3()[np.array([True, False])], "getitem"),
    "expand": (lambda: x3().expand(4, 2), "expand"),
    "where": (lambda: tg.where(np.ones(4, bool), x3(), 0.0), "where"),
    "cat": (lambda: tg.cat([scores(), x3()]), "cat"),
    "stack": (lambda: tg.stack([scores(), x3()]), "stack"),
    "permute repeated": (lambda: scores().permute(0, 0), "permute"),
    "permute out of range": (lambda: scores().permute(0, 5), "permute"),
    "transpose out of range": (lambda: x3().transpose(0, 5), "transpose"),
    "squeeze out of range": (lambda: tg.ones(1).squeeze(5), "squeeze"),
    "unsqueeze out of range": (lambda: x3().unsqueeze(10), "unsqueeze"),
    "flatten out of range": (lambda: scores().flatten(5), "flatten"),
    "sum out of range": (lambda: x3().sum(3), r"sum|reduction"),
    "softmax out of range": (lambda: x3().softmax(5), "softmax"),
    "log_softmax out of range": (lambda: x3().log_softmax(5), "log_softmax"),
    "logsumexp out of range": (lambda: x3().logsumexp(5), "logsumexp"),
    "ragged list": (lambda: tg.tensor([[1.0, 2.0], [3.0]]), "tensor"),
    "unknown dtype": (lambda: x3().to("floatx"), "dtype"),
    "matmul of a 0-d": (lambda: x3() @ tg.tensor(2.0), "matmul"),
    "bool of several entries": (lambda: bool(x3()), "bool"),
}


@pytest.mark.parametrize("call, name", BAD_CALLS.values(), ids=BAD_CALLS.keys())
def test_no_bare_numpy_error(call, name):
    with pytest.raises((ValueError, TypeError, IndexError, RuntimeError)) as caught:
        call()
    error = caught.value
    assert re.match(rf"({name}): ", str(error)), f"message does not name `{name}`: {error}"
    context = error.__context__
    assert context is None or error.__suppress_context__, f"chained after {context!r}"
    raised_in = Path(traceback.extract_tb(error.__traceback__)[-1].filename)
    assert "numpy" not in raised_in.parts, f"raised inside numpy: {raised_in}"


def test_the_op_is_named_once_when_numpy_names_it_too():
    with pytest.raises(ValueError) as caught:
        tg.ops.matmul(tg.ones(2, 3), tg.ones(2, 3))  # the primitive itself, unchecked
    assert str(caught.value).startswith("matmul: ") and "matmul: matmul" not in str(caught.value)


def test_transpose_of_fewer_than_two_dimensions_is_the_tensor_itself():
    for t in (tg.tensor(1.0), tg.tensor([1.0, 2.0])):  # as in PyTorch
        assert t.transpose(0, -1) is t


# -- issue 16: errors that name their cause ------------------------------------------------

CAUSES = {
    "minimum": (lambda: tg.minimum(tg.ones(2), tg.ones(3)), ValueError,
                r"^minimum: shapes \(2,\), \(3,\) cannot be broadcast"),
    "jacobian of a float": (lambda: tg.jacobian(lambda x: float(x.sum().item()), tg.ones(2)),
                            TypeError, r"^jacobian: f must return a Tensor, got float"),
    "hessian of a float": (lambda: tg.hessian(lambda x: 2.0, tg.ones(2)), TypeError,
                           r"^hessian: f must return a Tensor, got float"),
    "Linear(-1, 2)": (lambda: tg.nn.Linear(-1, 2), ValueError,
                      r"^Linear: in_features must be a non-negative int, got -1"),
    "Linear(2, 1.5)": (lambda: tg.nn.Linear(2, 1.5), ValueError, r"^Linear: out_features"),
    "Conv2d(1, -4, 3)": (lambda: tg.nn.Conv2d(1, -4, 3), ValueError, r"^Conv2d: out_channels"),
    "Embedding(-1, 3)": (lambda: tg.nn.Embedding(-1, 3), ValueError,
                         r"^Embedding: num_embeddings"),
    "batches seed": (lambda: tg.data.batches(np.ones((4, 2)), np.ones(4), 2, seed="abc"),
                     TypeError, r"^batches: seed must be an int, a numpy Generator or None, "
                                r"got 'abc'"),
    "train_test_split seed": (lambda: tg.data.train_test_split(np.ones(4), seed=1.5),
                              TypeError, r"^train_test_split: seed"),
    "make_spirals n": (lambda: tg.data.make_spirals(n=2.5), TypeError,
                       r"^make_spirals: n must be an int .*got 2.5"),
    "make_spirals seed": (lambda: tg.data.make_spirals(4, seed="x"), TypeError,
                          r"^make_spirals: seed"),
    "make_wages n": (lambda: tg.data.make_wages(n=3.0), TypeError, r"^make_wages: n"),
    "one_hot of no labels": (lambda: tg.data.one_hot([]), ValueError,
                             r"^one_hot: cannot infer num_classes from no labels"),
    "cross_entropy float indices": (
        lambda: F.cross_entropy(tg.ones(2, 3), tg.tensor([0.0, 1.0])), TypeError,
        r"^cross_entropy: class indices must be integers, got a float target of shape "
        r"\(2,\); convert it with target.long\(\)"),
    "tensor of strings": (lambda: tg.tensor(["a", "b"]), TypeError,
                          r"^tensor: cannot make a tensor of dtype <U1"),
    "tensor of a string array": (lambda: tg.tensor(np.array(["a"])), TypeError,
                                 r"^tensor: cannot make a tensor of dtype <U1"),
    "as_tensor of datetimes": (lambda: tg.as_tensor(np.array(["2020-01-01"], "M8[D]")),
                               TypeError, r"^tensor: cannot make a tensor of dtype datetime64"),
}


@pytest.mark.parametrize("call, kind, message", CAUSES.values(), ids=CAUSES.keys())
def test_the_error_names_its_cause(call, kind, message):
    with pytest.raises(kind, match=message):
        call()


def test_one_hot_of_no_labels_with_num_classes_is_empty():
    assert tg.data.one_hot([], num_classes=3).shape == (0, 3)


def test_load_mnist_given_a_file_says_it_is_a_file(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(b"")
    with pytest.raises(NotADirectoryError, match=f"load_mnist: {path} is a file; give the folder"):
        tg.data.load_mnist(path)
