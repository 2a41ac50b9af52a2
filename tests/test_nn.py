"""tg.nn: modules, names, state dicts, repr, initialisation, layers and penalties."""

import inspect
import math
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional
from tinygrad_edu import nn
from tinygrad_edu.nn.functional import conv2d, max_pool2d

F = nn.functional


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.scale = nn.Parameter(tg.ones(1))
        self.note = "not a parameter"

    def forward(self, x):
        return self.conv(x) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(Block(), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(2 * 3 * 3, 4)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(4 * 4 * 4, 10))


# ---------------------------------------------------------------------------------------
# Module bookkeeping
# ---------------------------------------------------------------------------------------

def test_parameters_get_pytorch_dotted_names_in_registration_order():
    net = Net()
    names = [name for name, _ in net.named_parameters()]
    # as in PyTorch: a module's own parameters come before those of its sub-modules
    assert names == ["features.0.scale", "features.0.conv.weight", "features.0.conv.bias",
                     "head.weight", "head.bias"]
    assert [p.shape for p in net.parameters()] == [(1,), (2, 1, 3, 3), (2,), (4, 18), (4,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    assert net.features[0].note == "not a parameter"


def test_children_and_modules():
    net = Net()
    assert [type(m).__name__ for m in net.children()] == ["Sequential", "Linear"]
    assert [name for name, _ in net.named_modules()] == [
        "", "features", "features.0", "features.0.conv", "features.1", "features.2", "head"]
    assert len(list(net.modules())) == 7


def test_shared_parameters_and_modules_are_listed_once():
    layer = nn.Linear(3, 3)
    model = nn.Sequential(layer, nn.Tanh(), layer)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_attribute_assignment_rules():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="cannot assign a Tensor to 'weight'"):
        layer.weight = tg.ones(2, 2)
    layer.bias = None                       # an absent optional parameter
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    layer.extra = nn.Parameter(tg.zeros(1))
    del layer.extra
    assert "extra" not in dict(layer.named_parameters())
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'missing'"):
        layer.missing  # noqa: B018

    class Forgot(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(tg.ones(1))
    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Forgot()


def test_parameter_shares_memory_and_prints_like_pytorch():
    array = np.zeros((2, 2), dtype=np.float32)
    p = nn.Parameter(array)
    array[0, 0] = 7
    assert p.numpy()[0, 0] == 7 and p.requires_grad and p.is_leaf
    assert repr(p).startswith("Parameter containing:\ntensor(")
    assert nn.Parameter(tg.ones(3)).shape == (3,)


def test_train_eval_and_zero_grad():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(tg.randn(2, 1, 8, 8)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


# ---------------------------------------------------------------------------------------
# State dicts
# ---------------------------------------------------------------------------------------

def test_state_dict_is_ordered_shares_memory_and_holds_no_graph():
    model = small_cnn()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["0.weight", "0.bias", "4.weight", "4.bias"]
    assert not any(t.requires_grad for t in state.values())
    model[0].weight.array[...] = 3
    assert (state["0.weight"].numpy() == 3).all()


def test_state_dict_round_trip_gives_identical_predictions():
    tg.manual_seed(1)
    source, target = small_cnn(), small_cnn()
    x = tg.randn(3, 1, 8, 8)
    assert not np.allclose(source(x).numpy(), target(x).numpy())
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(source(x).numpy(), target(x).numpy())
    source[0].weight.array[...] = 0          # copied, not shared
    assert target[0].weight.numpy().any()


def test_load_state_dict_takes_numpy_arrays_and_casts():
    layer = nn.Linear(2, 3)
    layer.load_state_dict({"weight": np.ones((3, 2)), "bias": np.arange(3.0)})
    assert layer.weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias.numpy(), [0, 1, 2])


def _snapshot(model):
    return {name: p.numpy().copy() for name, p in model.named_parameters()}


@pytest.mark.parametrize("change, messages", [
    (lambda s: s.pop("4.bias"), ['Missing key(s) in state_dict: "4.bias"']),
    (lambda s: s.update({"5.weight": tg.zeros(1)}),
     ['Unexpected key(s) in state_dict: "5.weight"']),
    (lambda s: s.update({"0.weight": tg.zeros(4, 1, 5, 5)}),
     ["size mismatch for 0.weight: copying a param with shape (4, 1, 5, 5) from the state "
      "dict, the shape in the model is (4, 1, 3, 3)"]),
    (lambda s: (s.pop("0.bias"), s.pop("4.weight"), s.update({"x": tg.zeros(1)})),
     ['Missing key(s) in state_dict: "0.bias", "4.weight"',
      'Unexpected key(s) in state_dict: "x"']),
])
def test_load_state_dict_errors_list_the_names_and_change_nothing(change, messages):
    model = small_cnn()
    state = OrderedDict((k, tg.zeros(*v.shape)) for k, v in model.state_dict().items())
    change(state)
    before = _snapshot(model)
    with pytest.raises(RuntimeError) as error:
        model.load_state_dict(state)
    assert str(error.value).startswith("Error(s) in loading state_dict for Sequential:")
    for message in messages:
        assert message in str(error.value)
    after = _snapshot(model)
    assert all(np.array_equal(before[k], after[k]) for k in before)


def test_load_state_dict_not_strict_loads_what_matches():
    model = small_cnn()
    state = {"0.weight": tg.zeros(4, 1, 3, 3), "unknown": tg.ones(2)}
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.bias", "4.weight", "4.bias"]
    assert result.unexpected_keys == ["unknown"]
    assert not model[0].weight.numpy().any()
    with pytest.raises(RuntimeError, match="size mismatch for 0.weight"):
        model.load_state_dict({"0.weight": tg.zeros(1)}, strict=False)
    with pytest.raises(TypeError, match="the value of '0.bias' is a list"):
        model.load_state_dict({**model.state_dict(), "0.bias": [0, 0, 0, 0]})


# ---------------------------------------------------------------------------------------
# repr
# ---------------------------------------------------------------------------------------

def test_repr_reads_like_pytorch():
    model = nn.Sequential(nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(8 * 12 * 12, 10, bias=False), nn.LogSoftmax(dim=1))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Conv2d(1, 8, kernel_size=(5, 5), stride=(1, 1))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Linear(in_features=1152, out_features=10, bias=False)\n"
        "  (5): LogSoftmax(dim=1)\n"
        ")")
    assert repr(nn.Conv2d(3, 4, (3, 2), stride=2, padding=1, bias=False)) == \
        "Conv2d(3, 4, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), bias=False)"
    nested = repr(Net())
    assert "  (features): Sequential(\n    (0): Block(\n      (conv): Conv2d(" in nested


# ---------------------------------------------------------------------------------------
# Layers
# ---------------------------------------------------------------------------------------

def test_linear_computes_x_w_transpose_plus_b():
    layer = nn.Linear(4, 3)
    x = tg.randn(5, 4)
    expected = x.numpy() @ layer.weight.numpy().T + layer.bias.numpy()
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-6)
    assert nn.Linear(4, 3, bias=False)(x).shape == (5, 3)
    assert nn.Linear(4, 3, dtype=tg.float64).weight.dtype == np.float64


def test_conv2d_and_pool_layers_call_the_functions():
    x = tg.randn(2, 3, 9, 9)
    conv = nn.Conv2d(3, 4, (3, 2), stride=2, padding=1)
    np.testing.assert_array_equal(conv(x).numpy(), conv2d(x, conv.weight, conv.bias, 2, 1)
                                  .numpy())
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2)(x).numpy(), max_pool2d(x, 3, 2).numpy())
    assert nn.AvgPool2d(3)(x).shape == (2, 3, 3, 3)
    assert repr(nn.AvgPool2d(3)) == "AvgPool2d(kernel_size=3, stride=3)"
    assert nn.Conv2d(3, 4, np.int64(3)).kernel_size == (3, 3)
    with pytest.raises(ValueError, match="Conv2d: kernel_size must be an int >= 1"):
        nn.Conv2d(3, 4, kernel_size=(3, 0))


def test_activation_and_shape_layers():
    x = tg.randn(2, 3, 4)
    assert nn.Flatten()(x).shape == (2, 12) and nn.Flatten(0, 1)(x).shape == (6, 4)
    for layer, f in [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh)]:
        np.testing.assert_array_equal(layer(x).numpy(), f(x).numpy())
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).numpy().sum(1), 1, rtol=1e-6)
    np.testing.assert_allclose(np.exp(nn.LogSoftmax(dim=-1)(x).numpy()).sum(-1), 1, rtol=1e-6)


def test_sequential_indexing():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    model = nn.Sequential(a, b, c)
    assert model[0] is a and model[-1] is c and len(model) == 3 and list(model) == [a, b, c]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and list(head) == [b, c]
    with pytest.raises(IndexError, match="index 3 is out of range for 3 modules"):
        model[3]  # noqa: B018
    model.append(nn.Sigmoid())
    assert [name for name, _ in model.named_children()] == ["0", "1", "2", "3"]
    named = nn.Sequential(OrderedDict([("hidden", a), ("act", b)]))
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]
    x = tg.randn(4, 2)
    np.testing.assert_array_equal(model(x).numpy(), c(b(a(x))).sigmoid().numpy())


def test_default_init_is_pytorchs_uniform_with_bound_one_over_sqrt_fan_in():
    tg.manual_seed(0)
    for layer, fan_in in [(nn.Linear(400, 300), 400), (nn.Conv2d(16, 64, (5, 3)), 16 * 15)]:
        bound = 1 / math.sqrt(fan_in)
        for p in (layer.weight, layer.bias):
            values = p.numpy()
            assert values.dtype == np.float32
            assert np.abs(values).max() <= bound
        w = layer.weight.numpy()
        assert np.abs(w).max() > 0.99 * bound                   # fills the whole interval
        assert abs(w.mean()) < 0.01 * bound
        assert abs(w.var() / (bound ** 2 / 3) - 1) < 0.05     # var of U(-b, b) is b^2 / 3


# ---------------------------------------------------------------------------------------
# tg.nn.init
# ---------------------------------------------------------------------------------------

def test_init_statistics():
    tg.manual_seed(0)
    w = nn.init.normal_(tg.zeros(200, 300))
    assert abs(w.numpy().mean()) < 0.01 and abs(w.numpy().std() - 1) < 0.01
    w = nn.init.normal_(tg.zeros(200, 300), mean=2, std=0.5)
    assert abs(w.numpy().mean() - 2) < 0.01 and abs(w.numpy().std() - 0.5) < 0.01
    u = nn.init.uniform_(tg.zeros(200, 300), -3, 1).numpy()
    assert u.min() >= -3 and u.max() < 1 and abs(u.mean() + 1) < 0.02
    x = nn.init.xavier_uniform_(tg.zeros(200, 300), gain=2).numpy()
    bound = 2 * math.sqrt(6 / 500)
    assert np.abs(x).max() <= bound and abs(x.var() / (bound ** 2 / 3) - 1) < 0.05
    k = nn.init.kaiming_uniform_(tg.zeros(200, 300), nonlinearity="relu").numpy()
    bound = math.sqrt(2) * math.sqrt(3 / 300)
    assert np.abs(k).max() <= bound and abs(k.var() / (bound ** 2 / 3) - 1) < 0.05
    k = nn.init.kaiming_uniform_(tg.zeros(200, 30, 2, 5), mode="fan_out").numpy()
    assert np.abs(k).max() <= math.sqrt(2) * math.sqrt(3 / 2000)


def test_init_is_in_place_reproducible_and_keeps_dtype():
    t = tg.zeros(3, 4, dtype=tg.float64)
    data = t.array
    assert nn.init.normal_(t) is t and t.array is data and t.dtype == np.float64
    tg.manual_seed(5)
    a = nn.init.uniform_(tg.zeros(10)).numpy().copy()
    tg.manual_seed(5)
    np.testing.assert_array_equal(a, nn.init.uniform_(tg.zeros(10)).numpy())
    layer = nn.Linear(3, 2)
    nn.init.zeros_(layer.bias)
    assert not layer.bias.numpy().any() and isinstance(layer.bias, nn.Parameter)
    assert layer.bias.grad_fn is None
    assert nn.init.ones_(layer.bias) is layer.bias and (layer.bias.numpy() == 1).all()


def test_calculate_gain_is_pytorchs_table():
    assert nn.init.calculate_gain("sigmoid") == 1 and nn.init.calculate_gain("tanh") == 5 / 3
    assert nn.init.calculate_gain("relu") == math.sqrt(2)
    assert nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="calculate_gain: unsupported nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def test_init_errors():
    with pytest.raises(ValueError, match="xavier_uniform_: fan in and fan out need a tensor "
                                         r"with at least 2 dimensions, got shape \(5,\)"):
        nn.init.xavier_uniform_(tg.zeros(5))
    with pytest.raises(ValueError, match="kaiming_uniform_: mode must be"):
        nn.init.kaiming_uniform_(tg.zeros(2, 2), mode="fan")
    with pytest.raises(TypeError, match="normal_: needs a floating-point tensor"):
        nn.init.normal_(tg.arange(3))


# ---------------------------------------------------------------------------------------
# tg.nn.functional and the penalties
# ---------------------------------------------------------------------------------------

def test_nn_functional_reexports_every_function():
    module = tinygrad_edu.nn.functional
    public = [name for name, f in inspect.getmembers(module, inspect.isfunction)
              if f.__module__ == module.__name__ and not name.startswith("_")]
    for name in public + ["conv2d", "max_pool2d", "avg_pool2d"]:
        assert name in F.__all__ and callable(getattr(F, name)), name
    assert tg.nn.functional is F


def test_penalties_and_their_gradients():
    w = tg.tensor([[1.0, -2.0], [0.5, 0.0]], requires_grad=True)
    b = tg.tensor([-3.0], requires_grad=True)
    assert F.l1_penalty([w, b]).item() == 6.5
    assert F.l2_penalty(p for p in [w, b]).item() == 1 + 4 + 0.25 + 9
    (F.l1_penalty([w, b]) + F.l2_penalty([w, b])).backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.sign(w.numpy()) + 2 * w.numpy())
    np.testing.assert_array_equal(b.grad.numpy(), [-1 - 6])
    assert F.l2_penalty(nn.Linear(3, 2).parameters()).dtype == np.float32
    with pytest.raises(ValueError, match="l1_penalty: got no parameters"):
        F.l1_penalty([])


def test_linear_function():
    x, w, b = tg.randn(4, 3), tg.randn(2, 3), tg.randn(2)
    np.testing.assert_allclose(F.linear(x, w, b).numpy(), x.numpy() @ w.numpy().T + b.numpy(),
                               rtol=1e-6)


def test_load_state_dict_casts_everything_first_and_changes_nothing_on_failure():
    # issue 16: the weight used to be overwritten before the bias failed to cast
    layer = nn.Linear(2, 3)
    before = _snapshot(layer)
    versions = [p._version for p in layer.parameters()]
    state = {"weight": np.zeros((3, 2)), "bias": np.array([1j, 2j, 3j])}
    with pytest.raises(TypeError, match=r"load_state_dict: cannot copy 'bias' of dtype "
                                        r"complex128 into a parameter of dtype float32"):
        layer.load_state_dict(state)
    assert all(np.array_equal(before[k], v) for k, v in _snapshot(layer).items())
    assert [p._version for p in layer.parameters()] == versions


def test_load_state_dict_names_the_int_buffer_a_float_cannot_go_into():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    state = {k: np.asarray(v.numpy() + 1, dtype=np.float64) for k, v in model.state_dict().items()}
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(TypeError, match="'1.num_batches_tracked' of dtype float64"):
        model.load_state_dict(state)
    assert all(np.array_equal(before[k], v.numpy()) for k, v in model.state_dict().items())
