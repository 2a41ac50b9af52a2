"""PyTorch's tensor API, with the values of PyTorch's documentation transcribed (PyTorch is
never imported): dtypes and their aliases, type promotion, devices on a CPU-only library,
creation functions, Python's protocols, `.data`, and `grad_fn` as PyTorch shows it."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import grad_fn

# ---------------------------------------------------------------------------------------
# dtypes
# ---------------------------------------------------------------------------------------

# PyTorch's table of dtypes (torch.dtype docs): the alias, its dtype, the legacy type name
ALIASES = [
    (tg.float, np.float32, "torch.FloatTensor"), (tg.float32, np.float32, "torch.FloatTensor"),
    (tg.double, np.float64, "torch.DoubleTensor"), (tg.float64, np.float64, "torch.DoubleTensor"),
    (tg.half, np.float16, "torch.HalfTensor"), (tg.float16, np.float16, "torch.HalfTensor"),
    (tg.uint8, np.uint8, "torch.ByteTensor"), (tg.int8, np.int8, "torch.CharTensor"),
    (tg.short, np.int16, "torch.ShortTensor"), (tg.int16, np.int16, "torch.ShortTensor"),
    (tg.int, np.int32, "torch.IntTensor"), (tg.int32, np.int32, "torch.IntTensor"),
    (tg.long, np.int64, "torch.LongTensor"), (tg.int64, np.int64, "torch.LongTensor"),
    (tg.bool, np.bool_, "torch.BoolTensor"),
]


@pytest.mark.parametrize("alias, numpy_type, name", ALIASES)
def test_dtype_aliases_name_numpy_types_and_tensor_type_gives_pytorch_names(alias, numpy_type,
                                                                            name):
    t = tg.tensor([1, 0]).type(alias)
    assert alias is numpy_type and t.dtype == alias and t.type() == name
    assert tg.tensor([1, 0]).type(name).dtype == alias  # type("torch.FloatTensor") too


def test_conversion_methods_and_dtype_questions():
    t = tg.tensor([1.5, -2.0])
    assert t.long().dtype == tg.int64 and t.int().dtype == tg.int32
    assert t.half().dtype == tg.float16 and t.double().dtype == tg.float64
    assert t.bool().dtype == tg.bool and t.long().float().dtype == tg.float32
    np.testing.assert_array_equal(t.long().numpy(), [1, -2])  # truncation, as in PyTorch
    assert t.is_floating_point() and not t.long().is_floating_point()
    assert tg.is_floating_point(t) and tg.is_tensor(t) and not tg.is_tensor(t.numpy())
    assert t.element_size() == 4 and t.double().element_size() == 8
    assert t.long().element_size() == 8 and t.bool().element_size() == 1


def test_default_dtype_can_be_float64_and_is_float32_again_after():
    assert tg.get_default_dtype() == tg.float32
    tg.set_default_dtype(tg.float64)
    try:
        assert tg.tensor([1.5]).dtype == tg.float64 and tg.zeros(2).dtype == tg.float64
        assert tg.rand(2).dtype == tg.float64 and (tg.tensor([1, 2]) / 2).dtype == tg.float64
        assert tg.nn.Linear(2, 3).weight.dtype == tg.float64  # layers too, as in PyTorch
    finally:
        tg.set_default_dtype(tg.float32)
    assert tg.tensor([1.5]).dtype == tg.float32
    with pytest.raises(TypeError, match="set_default_dtype: only floating-point"):
        tg.set_default_dtype(tg.int64)


# ---------------------------------------------------------------------------------------
# Type promotion: the examples of PyTorch's "Type promotion" documentation
# ---------------------------------------------------------------------------------------

def operands():
    return {
        "float_tensor": tg.ones(1, dtype=tg.float), "double_tensor": tg.ones(1, dtype=tg.double),
        "int_tensor": tg.ones(1, dtype=tg.int), "long_tensor": tg.ones(1, dtype=tg.long),
        "uint_tensor": tg.ones(1, dtype=tg.uint8), "bool_tensor": tg.ones(1, dtype=tg.bool),
        "long_zerodim": tg.tensor(1, dtype=tg.long), "int_zerodim": tg.tensor(1, dtype=tg.int),
    }


# (left, right, PyTorch's result dtype), transcribed from the documentation's examples
PROMOTION_TABLE = [
    ("int_tensor", 5, tg.int32),            # 5 does not have a higher category
    ("int_tensor", "long_zerodim", tg.int32),  # a 0-d tensor of the same category neither
    ("long_tensor", "int_tensor", tg.int64),
    ("bool_tensor", "long_tensor", tg.int64),
    ("bool_tensor", "uint_tensor", tg.uint8),
    ("float_tensor", "double_tensor", tg.float64),
    ("bool_tensor", "int_tensor", tg.int32),
    ("long_tensor", "float_tensor", tg.float32),  # the category decides, not the size
    ("int_tensor", 1.0, tg.float32),        # torch.result_type(int tensor, 1.0)
    ("uint_tensor", "long_zerodim", tg.uint8),  # torch.result_type(uint8 tensor, tensor(1))
    # the rules as stated: a 0-d tensor or a number of a higher category wins
    ("int_tensor", tg.tensor(1.0, dtype=tg.double), tg.float64),
    ("float_tensor", tg.tensor(1.0, dtype=tg.double), tg.float32),
    ("long_tensor", 2.5, tg.float32), ("bool_tensor", 3, tg.int64),
    ("bool_tensor", True, tg.bool), ("float_tensor", 2, tg.float32),
]


@pytest.mark.parametrize("left, right, expected", PROMOTION_TABLE)
def test_type_promotion_table(left, right, expected):
    values = operands()
    x = values[left]
    y = values[right] if isinstance(right, str) else right
    assert tg.result_type(x, y) == expected
    assert (x + y).dtype == expected and (y + x).dtype == expected
    assert (x * y).dtype == expected and tg.where(x > 0, x, y).dtype == expected


def test_promote_types_examples():
    assert tg.promote_types(tg.int32, tg.float32) == tg.float32
    assert tg.promote_types(tg.uint8, tg.long) == tg.long


def test_integer_true_division_gives_the_default_float_dtype():
    a, b = tg.tensor([4, 6]), tg.tensor([2, 4])
    assert (a / b).dtype == tg.float32 and (a / 2).dtype == tg.float32
    np.testing.assert_array_equal((a / b).numpy(), [2.0, 1.5])


def test_a_float32_model_stays_float32_beside_integer_data():
    w = tg.ones(3, requires_grad=True)
    loss = (w * tg.tensor([1, 2, 3])).sum() / tg.tensor(3)
    assert loss.dtype == tg.float32
    loss.backward()
    assert w.grad.dtype == tg.float32


# in-place results must fit the tensor's category (PyTorch's casting examples)
ALLOWED_IN_PLACE = [("float_tensor", "float_tensor"), ("float_tensor", "int_tensor"),
                    ("float_tensor", "uint_tensor"), ("float_tensor", "bool_tensor"),
                    ("float_tensor", "double_tensor"), ("int_tensor", "long_tensor"),
                    ("int_tensor", "uint_tensor"), ("uint_tensor", "int_tensor")]
REFUSED_IN_PLACE = [("int_tensor", "float_tensor"), ("bool_tensor", "int_tensor"),
                    ("bool_tensor", "uint_tensor")]


@pytest.mark.parametrize("left, right", ALLOWED_IN_PLACE)
def test_in_place_products_that_pytorch_allows(left, right):
    values = operands()
    x = values[left]
    x *= values[right]
    assert x.dtype == operands()[left].dtype


@pytest.mark.parametrize("left, right", REFUSED_IN_PLACE)
def test_in_place_products_that_pytorch_refuses(left, right):
    values = operands()
    x = values[left]
    with pytest.raises(TypeError, match=r"\*=: the result has dtype"):
        x *= values[right]


def test_a_float32_layer_refuses_float64_input_as_pytorch_does():
    layer = tg.nn.Linear(3, 2)
    with pytest.raises(RuntimeError, match="linear: the operands must have the same dtype, "
                                           "but got float64 and float32"):
        layer(tg.tensor(np.ones((4, 3))))
    with pytest.raises(RuntimeError, match="matmul: the operands must have the same dtype"):
        tg.ones(2, 2) @ tg.ones(2, 2, dtype=tg.double)
    assert layer(tg.tensor(np.ones((4, 3))).float()).dtype == tg.float32
    assert layer.to(tg.float64)(tg.tensor(np.ones((4, 3)))).dtype == tg.float64


# ---------------------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------------------

def test_the_cpu_is_the_one_device():
    assert not tg.cuda.is_available() and tg.cuda.device_count() == 0
    assert not tg.backends.mps.is_available() and not tg.accelerator.is_available()
    dev = tg.device("cuda" if tg.cuda.is_available() else "cpu")
    assert dev == "cpu" and dev.type == "cpu" and repr(dev) == "device(type='cpu')"
    t = tg.ones(2, device=dev)
    assert t.device == dev and t.to(dev) is t and t.cpu() is t and t.to("cpu:0") is t
    assert t.to("cpu", tg.float64).dtype == tg.float64
    assert t.to(tg.zeros(1, dtype=tg.int64)).dtype == tg.int64
    assert t.to(device=dev, dtype=tg.half).dtype == tg.float16
    tg.set_default_device("cpu")
    assert tg.get_default_device() == tg.device("cpu")


@pytest.mark.parametrize("ask", [
    lambda: tg.device("cuda"), lambda: tg.device("mps"), lambda: tg.ones(2).to("cuda:0"),
    lambda: tg.ones(2).cuda(), lambda: tg.zeros(2, device="cuda"),
    lambda: tg.tensor([1.0], device="mps"), lambda: tg.set_default_device("cuda"),
    lambda: tg.nn.Linear(2, 2).to("cuda")])
def test_asking_for_a_gpu_says_that_tinygrad_edu_computes_on_the_cpu(ask):
    with pytest.raises(RuntimeError, match="tinygrad_edu computes with numpy on the CPU"):
        ask()


CREATIONS = [
    lambda d: tg.tensor([1.0], device=d), lambda d: tg.as_tensor([1.0], device=d),
    lambda d: tg.zeros(2, device=d), lambda d: tg.ones(2, device=d),
    lambda d: tg.empty(2, device=d), lambda d: tg.full((2,), 1.0, device=d),
    lambda d: tg.eye(2, device=d), lambda d: tg.arange(3, device=d),
    lambda d: tg.linspace(0, 1, 3, device=d), lambda d: tg.logspace(0, 1, 3, device=d),
    lambda d: tg.rand(2, device=d), lambda d: tg.randn(2, device=d),
    lambda d: tg.randint(3, (2,), device=d), lambda d: tg.randperm(3, device=d),
    lambda d: tg.normal(0.0, 1.0, (2,), device=d),
    lambda d: tg.zeros_like(tg.ones(2), device=d), lambda d: tg.ones_like(tg.ones(2), device=d),
    lambda d: tg.full_like(tg.ones(2), 3, device=d),
    lambda d: tg.empty_like(tg.ones(2), device=d), lambda d: tg.rand_like(tg.ones(2), device=d),
    lambda d: tg.randn_like(tg.ones(2), device=d),
    lambda d: tg.randint_like(tg.ones(2), 5, device=d),
]


@pytest.mark.parametrize("make", CREATIONS)
def test_every_creation_function_takes_device(make):
    assert make("cpu").device == tg.device("cpu")
    with pytest.raises(RuntimeError, match="not available"):
        make("cuda")


def test_module_to_and_cpu_keep_the_parameters_and_convert_their_dtype():
    model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 1))
    weight = model[0].weight
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(tg.float64) is model and model[0].weight is weight
    assert all(p.dtype == tg.float64 for p in model.parameters())
    assert model(tg.ones(4, 2, dtype=tg.double)).dtype == tg.float64
    assert all(p.dtype == tg.float32 for p in model.float().parameters())


# ---------------------------------------------------------------------------------------
# Creation
# ---------------------------------------------------------------------------------------

def test_from_numpy_and_as_tensor_share_memory():
    a = np.array([1, 2, 3])
    t = tg.from_numpy(a)
    t[0] = -1  # torch.from_numpy's example: the change shows in the array
    assert a.tolist() == [-1, 2, 3] and t.dtype == tg.int64
    b = np.array([1.0, 2.0])
    assert tg.as_tensor(b).numpy() is b and tg.as_tensor(b, dtype=tg.float32).numpy() is not b
    with pytest.raises(TypeError, match="from_numpy: expected an np.ndarray"):
        tg.from_numpy([1, 2])


def test_ranges_as_in_pytorch_documentation():
    np.testing.assert_allclose(tg.linspace(3, 10, steps=5).numpy(),
                               [3.0, 4.75, 6.5, 8.25, 10.0])
    np.testing.assert_allclose(tg.linspace(-10, 10, steps=5).numpy(), [-10, -5, 0, 5, 10])
    np.testing.assert_allclose(tg.logspace(-10, 10, steps=5).numpy(),
                               [1e-10, 1e-05, 1, 1e05, 1e10], rtol=1e-6)
    np.testing.assert_allclose(tg.logspace(0.1, 1.0, steps=5).numpy(),
                               [1.2589, 2.1135, 3.5481, 5.9566, 10.0], rtol=1e-4)
    np.testing.assert_allclose(tg.logspace(0, 2, steps=3, base=2).numpy(), [1.0, 2.0, 4.0])
    assert tg.arange(5).tolist() == [0, 1, 2, 3, 4] and tg.arange(5).dtype == tg.int64
    assert tg.arange(1, 4).tolist() == [1, 2, 3]
    np.testing.assert_allclose(tg.arange(1, 2.5, 0.5).numpy(), [1.0, 1.5, 2.0])
    assert tg.arange(1, 2.5, 0.5).dtype == tg.float32


def test_filled_tensors_take_sizes_as_varargs_or_a_tuple():
    assert tg.zeros(2, 3).shape == tg.zeros((2, 3)).shape == tg.empty([2, 3]).shape == (2, 3)
    np.testing.assert_allclose(tg.full((2, 3), 3.141592).numpy(), np.full((2, 3), 3.141592))
    assert tg.full((2,), 7).dtype == tg.int64 and tg.full((2,), True).dtype == tg.bool
    assert tg.full((2,), 1.5).dtype == tg.float32
    x = tg.tensor([[1, 2], [3, 4]])
    assert tg.full_like(x, 7).tolist() == [[7, 7], [7, 7]] and tg.empty_like(x).shape == (2, 2)
    assert tg.zeros_like(x).dtype == tg.int64 and tg.ones_like(x, dtype=tg.float).dtype == \
        tg.float32


def test_random_functions_follow_their_generator():
    def draws(g):
        return [tg.rand(3, generator=g), tg.randn(2, 2, generator=g),
                tg.randint(3, 10, (2, 2), generator=g), tg.randperm(4, generator=g),
                tg.normal(2.0, 3.0, size=(1, 4), generator=g),
                tg.bernoulli(tg.full((5,), 0.5), generator=g),
                tg.multinomial(tg.tensor([1.0, 10.0, 3.0, 2.0]), 2, generator=g)]
    first = draws(tg.Generator().manual_seed(42))
    second = draws(tg.Generator().manual_seed(42))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    tg.manual_seed(1)
    a = tg.rand(3)
    tg.manual_seed(1)
    np.testing.assert_array_equal(a.numpy(), tg.rand(3).numpy())


def test_random_functions_give_pytorch_shapes_dtypes_and_ranges():
    g = tg.Generator().manual_seed(0)
    r = tg.randint(3, 10, (200,), generator=g)
    assert r.dtype == tg.int64 and 3 <= r.numpy().min() and r.numpy().max() < 10
    assert tg.randint(10, (2,)).shape == (2,)
    assert sorted(tg.randperm(4).tolist()) == [0, 1, 2, 3]
    assert tg.randperm(4).dtype == tg.int64
    means = tg.normal(mean=tg.arange(1.0, 11.0), std=tg.arange(1, 0, -0.1))
    assert means.shape == (10,) and means.dtype == tg.float32
    assert tg.normal(2, 3, size=(1, 4)).shape == (1, 4)
    coins = tg.bernoulli(tg.tensor([[0.0, 1.0], [1.0, 0.0]]))
    assert coins.tolist() == [[0.0, 1.0], [1.0, 0.0]]
    picks = tg.multinomial(tg.tensor([0.0, 10.0, 3.0, 0.0]), 2)
    assert sorted(picks.tolist()) == [1, 2] and picks.dtype == tg.int64  # no replacement
    rows = tg.multinomial(tg.tensor([[0.0, 1.0], [1.0, 0.0]]), 4, replacement=True)
    assert rows.tolist() == [[1, 1, 1, 1], [0, 0, 0, 0]]
    with pytest.raises(ValueError, match="without replacement"):
        tg.multinomial(tg.tensor([1.0, 1.0]), 3)
    like = tg.randint_like(tg.zeros(3, dtype=tg.int32), 4)
    assert like.dtype == tg.int32 and like.numpy().max() < 4
    assert tg.rand_like(tg.zeros(2, dtype=tg.double)).dtype == tg.float64
    assert tg.randn_like(tg.zeros(2, 2)).shape == (2, 2)


# ---------------------------------------------------------------------------------------
# Python protocols
# ---------------------------------------------------------------------------------------

def test_python_protocols():
    loss = tg.tensor(0.123456, requires_grad=True) * 2
    assert f"{loss:.3f}" == "0.247" and float(loss) == pytest.approx(0.246912)
    n = tg.tensor(3)
    assert int(tg.tensor([2.7])) == 2 and list(range(n)) == [0, 1, 2]
    assert ["a", "b", "c", "d"][n] == "d" and bool(tg.tensor([1])) is True
    assert [row.tolist() for row in tg.tensor([[1, 2], [3, 4]])] == [[1, 2], [3, 4]]
    assert len(tg.zeros(5, 2)) == 5
    assert np.asarray(tg.tensor([1.0, 2.0])).tolist() == [1.0, 2.0]
    assert np.add(np.ones(2), np.asarray(tg.ones(2))).tolist() == [2.0, 2.0]
    with pytest.raises(TypeError, match="__index__: only integer tensors of a single element"):
        range(tg.tensor(2.0))
    with pytest.raises(TypeError):
        f"{tg.ones(2):.3f}"


# What PyTorch prints (its documentation's examples and the tutorials' printed output):
# every element with 4 decimals unless all are whole numbers, booleans as wide as the
# widest of them
PRINTED = [
    (lambda: tg.tensor([[0.1, 1.2], [2.2, 3.1], [4.9, 5.2]]),
     "tensor([[0.1000, 1.2000],\n        [2.2000, 3.1000],\n        [4.9000, 5.2000]])"),
    (lambda: tg.tensor([-0.0391, 0.0268, -0.041]), "tensor([-0.0391,  0.0268, -0.0410])"),
    (lambda: tg.tensor([2.0, 0.5]), "tensor([2.0000, 0.5000])"),
    (lambda: tg.tensor(3.5), "tensor(3.5000)"),
    (lambda: tg.tensor([float("nan"), 1.0, 0.25]), "tensor([   nan, 1.0000, 0.2500])"),
    (lambda: tg.ones(2, 3) * 2, "tensor([[2., 2., 2.],\n        [2., 2., 2.]])"),
    (lambda: tg.tensor([1, 2]), "tensor([1, 2])"),
    (lambda: tg.tensor([2.0, 3.0]) > 5, "tensor([False, False])"),
    (lambda: tg.tensor([6.0, 4.0]) > 0, "tensor([True, True])"),
    (lambda: tg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: tg.tensor(0.25, requires_grad=True) * 2, "tensor(0.5000, grad_fn=<MulBackward0>)"),
]


@pytest.mark.parametrize(("make", "printed"), PRINTED)
def test_tensors_print_as_in_pytorch(make, printed):
    assert repr(make()) == str(make()) == printed


# ---------------------------------------------------------------------------------------
# .data and grad_fn
# ---------------------------------------------------------------------------------------

def test_data_is_a_tensor_sharing_memory_outside_the_graph_and_versions():
    w = tg.ones(3, requires_grad=True)
    (w * 2).sum().backward()
    data = w.data
    assert isinstance(data, tg.Tensor) and not data.requires_grad and data.numpy() is w.numpy()
    w.data -= 0.5 * w.grad  # PyTorch's old-style update, outside no_grad
    w.data.uniform_(-1, 1)
    assert w._version == 0 and w.is_leaf and w.requires_grad  # .data changes are not counted
    assert (-1 <= w.numpy()).all() and (w.numpy() < 1).all()
    w.data = tg.zeros(3)  # assigning .data replaces the numbers, PyTorch's way
    assert w.tolist() == [0.0, 0.0, 0.0] and w.requires_grad


def test_grad_fn_names_and_next_functions_as_pytorch_shows_them():
    a = tg.tensor([2.0, 3.0], requires_grad=True)
    b = tg.tensor([6.0, 4.0], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2  # the autograd tutorial's Q
    assert Q.grad_fn.name() == "SubBackward0"
    (mul, _), (power, _) = Q.grad_fn.next_functions
    assert mul.name() == "MulBackward0" and power.name() == "PowBackward0"
    leaf, index = power.next_functions[0]
    assert isinstance(leaf, grad_fn.AccumulateGrad) and leaf.variable is b and index == 0
    assert power.next_functions[1] == (None, 0)  # the exponent 2 needs no gradient
    assert a.grad_fn is None and "grad_fn=<SubBackward0>" in repr(Q)
    z = (tg.ones(2, 3) @ tg.ones(3, 2, requires_grad=True)).sigmoid()
    assert z.grad_fn.name() == "SigmoidBackward0"
    assert z.grad_fn.next_functions[0][0].name() == "MmBackward0"
    assert Q.node.op.name == "sub"  # the engine's own record, for the pictures


def test_one_hot_as_in_pytorchs_documentation():
    F = tg.nn.functional
    # the examples of torch.nn.functional.one_hot's documentation, transcribed
    assert F.one_hot(tg.arange(0, 5) % 3).tolist() == [
        [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert F.one_hot(tg.arange(0, 5) % 3, num_classes=5).tolist() == [
        [1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [1, 0, 0, 0, 0], [0, 1, 0, 0, 0]]
    three_d = F.one_hot(tg.arange(0, 6).view(3, 2) % 3)
    assert three_d.dtype == tg.int64 and three_d.tolist() == [
        [[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 0, 0]], [[0, 1, 0], [0, 0, 1]]]
    with pytest.raises(ValueError, match="one_hot: label 3 is out of range for num_classes=3"):
        F.one_hot(tg.tensor([0, 3]), 3)
    with pytest.raises(TypeError, match="one_hot: labels must be integers"):
        F.one_hot(tg.tensor([0.0, 1.0]))
