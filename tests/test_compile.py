"""tg.compile: a replayed training step leaves exactly what the eager step leaves.

Equality is to the last bit: the replay runs the same numpy calls in the same order (the
VJPs are the engine's own functions; the optimisers' updates are their own numpy calls,
written down from a run of their `_update`), so nothing is compared with a tolerance here.
"""

import copy
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from models import cnn, mlp

F = tg.nn.functional


OPTIMISERS = {  # every update rule of tg.optim, with each of its branches
    "sgd": lambda params: tg.optim.SGD(params, lr=0.5),
    "momentum": lambda params: tg.optim.SGD(params, lr=0.1, momentum=0.9),
    "sgd dampening, weight decay": lambda params: tg.optim.SGD(
        params, lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01),
    "nesterov": lambda params: tg.optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True,
                                            weight_decay=0.1),
    "sgd weight decay": lambda params: tg.optim.SGD(params, lr=0.1, weight_decay=0.1),
    "adam": lambda params: tg.optim.Adam(params, lr=0.01),
    "adam weight decay, amsgrad": lambda params: tg.optim.Adam(
        params, lr=0.01, weight_decay=0.1, amsgrad=True),
    "adamw": lambda params: tg.optim.AdamW(params, lr=0.01),
    "adamw amsgrad": lambda params: tg.optim.AdamW(params, lr=0.01, betas=(0.8, 0.9),
                                                   amsgrad=True),
    "rmsprop": lambda params: tg.optim.RMSprop(params, lr=0.01),
    "rmsprop centered, momentum": lambda params: tg.optim.RMSprop(
        params, lr=0.01, centered=True, momentum=0.5, weight_decay=0.1),
    "adagrad": lambda params: tg.optim.Adagrad(params, lr=0.1, lr_decay=0.01,
                                               weight_decay=0.1,
                                               initial_accumulator_value=0.1),
    "sgd, two groups": lambda params: tg.optim.SGD(  # one with momentum, one without
        [{"params": params[:2], "momentum": 0.0, "lr": 0.5}, {"params": params[2:]}],
        lr=0.1, momentum=0.9),
    "adam, two groups": lambda params: tg.optim.Adam(
        [{"params": params[:2], "betas": (0.5, 0.6)}, {"params": params[2:], "lr": 0.1}],
        lr=0.01),
}


def optimiser(kind: str, params):
    return OPTIMISERS[kind](params)


def mlp_step(sizes, activation, kind, dtype=np.float32, seed=0):
    """The parameters of the article's network (models/mlp.py) and a training step."""
    opt, step = mlp_training(sizes, activation, kind, dtype, seed)
    return params_of(opt), step


def training_step(opt, loss_of):
    """A user's training step: zero the gradients, loss_of(x, y), backward, one step."""
    def step(x, y):
        opt.zero_grad()
        loss = loss_of(x, y)
        loss.backward()
        opt.step()
        return loss
    return step


def mlp_training(sizes, activation, kind, dtype=np.float32, seed=0):
    """The article's network's optimiser, one of OPTIMISERS, and a training step."""
    net = mlp.network(sizes, activation, seed=seed, dtype=dtype)
    opt = optimiser(kind, net.parameters())
    return opt, training_step(opt, lambda x, y: mlp.loss(net, x, y))


def params_of(opt):
    return [p for group in opt.param_groups for p in group["params"]]


def batches(sizes, batch, dtype=np.float32, count=3, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=(batch, sizes[0])).astype(dtype),
             np.eye(sizes[-1], dtype=dtype)[rng.integers(0, sizes[-1], batch)])
            for _ in range(count)]


def assert_same(eager_params, compiled_params):
    for p, q in zip(eager_params, compiled_params, strict=True):
        assert p.dtype == q.dtype
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        np.testing.assert_array_equal(p.grad.numpy(), q.grad.numpy())


def run_both(make, data, steps, wrap=tg.Tensor):
    """Train an eager and a compiled copy side by side; both lists of losses."""
    eager_params, eager = make()
    compiled_params, compiled = make()
    compiled = tg.compile(compiled)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager would hide what is tested
        for i in range(steps):
            x, y = data[i % len(data)]
            a, b = eager(wrap(x), wrap(y)), compiled(wrap(x), wrap(y))
            losses.append((a.item(), b.item()))
    assert_same(eager_params, compiled_params)
    assert [a for a, _ in losses] == [b for _, b in losses]
    return compiled


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("sizes, activation", [
    ([4, 40, 3], "sigmoid"), ([6, 8, 8, 3], "sigmoid"), ([5, 7, 6, 5, 4], "sigmoid"),
    ([4, 16, 3], "relu"), ([6, 8, 8, 8, 3], "relu")])
def test_compiled_mlp_equals_eager_to_the_bit(sizes, activation, kind):
    compiled = run_both(lambda: mlp_step(sizes, activation, kind), batches(sizes, 10), 7)
    assert compiled.eager_because is None and len(compiled.cache) == 1


@given(hidden=st.lists(st.integers(1, 12), min_size=1, max_size=3),
       batch=st.integers(1, 9), dtype=st.sampled_from([np.float32, np.float64]),
       kind=st.sampled_from(sorted(OPTIMISERS)),
       activation=st.sampled_from(["sigmoid", "relu"]))
def test_compiled_equals_eager_for_any_sizes(hidden, batch, dtype, kind, activation):
    sizes = [3, *hidden, 4]
    run_both(lambda: mlp_step(sizes, activation, kind, dtype),
             batches(sizes, batch, dtype, count=2), 4)


def test_compiled_cnn_equals_eager():
    def make():
        model = cnn.small_cnn(8, 3, filters=4, classes=3)
        opt = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
        return list(model.parameters()), training_step(
            opt, lambda x, y: F.binary_cross_entropy_with_logits(model(x), y))
    rng = np.random.default_rng(0)
    data = [(rng.random((5, 1, 8, 8), dtype=np.float32),
             np.eye(3, dtype=np.float32)[rng.integers(0, 3, 5)]) for _ in range(2)]
    run_both(make, data, 4)


def test_numpy_arguments_and_gradient_accumulation_without_zero_grad():
    """The step may take numpy arrays, and leave zero_grad out: .grad then adds up, and
    the replay reads the gradient the previous call left."""
    def make():
        w = tg.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)

        def step(x, y):
            loss = ((tg.Tensor(x) @ w - tg.Tensor(y)) ** 2).mean()
            loss.backward()
            return loss
        return [w], step
    data = [(np.ones((3, 2), np.float32), np.zeros((3, 2), np.float32)),
            (np.arange(6, dtype=np.float32).reshape(3, 2), np.ones((3, 2), np.float32))]
    run_both(make, data, 5, wrap=lambda a: a)


def test_a_new_shape_traces_again():
    params, step = mlp_step([4, 6, 3], "sigmoid", "sgd")
    eager_params, eager = mlp_step([4, 6, 3], "sigmoid", "sgd")
    step = tg.compile(step)
    for batch in (10, 10, 7, 10, 7):
        (x, y), = batches([4, 6, 3], batch, count=1)
        assert step(tg.Tensor(x), tg.Tensor(y)).item() == eager(tg.Tensor(x),
                                                                tg.Tensor(y)).item()
    assert sorted(key[1][1][0] for key in step.cache) == [7, 10]
    assert_same(eager_params, params)


@pytest.mark.parametrize("escape, why", [
    (lambda loss: loss.item() > 2, "item()"),
    (lambda loss: loss > 2, "bool()"),
    (lambda loss: float(loss) > 2, "item()"),
    (lambda loss: loss.numpy().copy() > 2, "numpy()"),
])
def test_python_reading_values_runs_eagerly_with_one_warning(escape, why):
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def step(x):
        loss = (x * w).sum()
        if escape(loss):  # control flow on the value: the replay could not follow it
            loss = loss * 2
        loss.backward()
        return loss

    compiled = tg.compile(step)
    with pytest.warns(RuntimeWarning, match=f"runs eagerly from now on: {why}"):
        first = compiled(tg.tensor([1.0, 1.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one warning, not one per call
        second = compiled(tg.tensor([0.5, 0.5]))
    assert first.item() == 3.0 * 2 and second.item() == 1.5  # the other branch
    assert compiled.eager_because.startswith(why)


CLASS_WEIGHTS = tg.tensor([1.0, 2.0, 0.5])
LABEL_LOSSES = {
    "cross_entropy": (lambda z, labels: F.cross_entropy(z, labels), True),
    "ignore_index": (lambda z, labels: F.cross_entropy(z, labels, ignore_index=1), True),
    "weighted": (lambda z, labels: F.cross_entropy(z, labels, weight=CLASS_WEIGHTS), True),
    "smoothed": (lambda z, labels: F.cross_entropy(z, labels, weight=CLASS_WEIGHTS,
                                                   ignore_index=1, label_smoothing=0.2), True),
    # weights made in the step, from a list: numbers the replay would freeze, so eager
    "weights made in the step": (lambda z, labels: F.cross_entropy(
        z, labels, weight=tg.tensor([1.0, 2.0, 0.5])), False),
    # F.one_hot with num_classes is a primitive: each batch's labels make new rows
    "one_hot": (lambda z, labels: F.mse_loss(z, F.one_hot(labels, 3).float()), True),
}


@pytest.mark.parametrize("name", LABEL_LOSSES)
def test_class_index_targets_are_never_frozen(name):
    """cross_entropy turns class indices into fancy indices: done by numpy outside the
    engine, a replay would keep the first batch's labels. One primitive (ops.nll) reads
    them, with the weights and the smoothing, so the step is replayed, and so is one with
    one_hot; weights made in the step from a list run eagerly."""
    loss_of, replayed = LABEL_LOSSES[name]

    def make():
        tg.manual_seed(0)
        model = tg.nn.Linear(4, 3)
        opt = tg.optim.SGD(model.parameters(), lr=0.5)
        return list(model.parameters()), training_step(
            opt, lambda x, labels: loss_of(model(x), labels))
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.normal(size=(6, 4)).astype(np.float32))
    labels = [tg.tensor([0, 1, 2, 0, 1, 2]), tg.tensor([2, 2, 2, 1, 1, 0]),
              tg.tensor([1, 1, 1, 1, 1, 1])]  # all ignored with ignore_index=1: NaN
    eager_params, eager = make()
    params, compiled = make()
    compiled = tg.compile(compiled)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for y in labels * 2:
            np.testing.assert_array_equal(compiled(x, y).numpy(), eager(x, y).numpy())
    assert (compiled.eager_because is None) == replayed
    assert len(caught) == (0 if replayed else 1)
    assert_same(eager_params, params)


def test_a_mask_computed_from_the_values_is_not_frozen():
    w = tg.tensor([1.0, -1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x: (x * w)[x > 0].sum())
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        step(tg.tensor([1.0, 1.0, -1.0]))
    assert step(tg.tensor([-1.0, 1.0, 1.0])).item() == 1.0  # -1 + 2, not the first mask


def test_a_numpy_array_computed_from_the_values_is_not_frozen():
    """tg.where with a mask computed in numpy from a tensor's array: no tensor leaves the
    engine through a hook, but the mask reaches `where` as a bare array."""
    w = tg.tensor([1.0, -1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x: tg.where(x.array > 0, x * w, 0.0).sum())
    with pytest.warns(RuntimeWarning, match="numpy array of shape"):
        step(tg.tensor([1.0, 1.0, -1.0]))
    assert step(tg.tensor([-1.0, 1.0, 1.0])).item() == 1.0


def test_tensors_made_from_data_inside_the_step_are_not_frozen():
    """tg.rand draws new numbers each call: a replay may not keep the first ones."""
    w = tg.ones(1000, requires_grad=True)
    step = tg.compile(lambda x: (x * w * tg.rand(1000)).sum())
    with pytest.warns(RuntimeWarning, match="made during the traced call"):
        step(tg.ones(1000))
    assert step(tg.ones(1000)).item() != step(tg.ones(1000)).item()


def test_an_unrecorded_in_place_change_runs_eagerly():
    w = tg.ones(3, requires_grad=True)

    def step(x):
        loss = (x * w).sum()
        loss.backward()
        tg.nn.init.zeros_(w)  # numpy writes into w: the recorder cannot replay it
        return loss

    with pytest.warns(RuntimeWarning, match="in-place change"):
        tg.compile(step)(tg.ones(3))


def test_manual_updates_and_grad_reset_in_the_step():
    """The article's way: w -= lr * w.grad under no_grad, then forget the gradient."""
    def make():
        params = [tg.tensor([[1.0, -1.0], [0.5, 2.0]], requires_grad=True)]

        def step(x, y):
            loss = ((x @ params[0]).sigmoid() - y).square().sum()
            loss.backward()
            for w in params:
                with tg.no_grad():
                    w -= 0.1 * w.grad
                w.grad = None
            return loss
        return params, step
    data = [(np.eye(2, dtype=np.float32), np.ones((2, 2), np.float32))]
    eager_params, eager = make()
    params, compiled = make()
    compiled = tg.compile(compiled)
    for _ in range(4):
        assert eager(*map(tg.Tensor, data[0])).item() == \
            compiled(*map(tg.Tensor, data[0])).item()
    np.testing.assert_array_equal(eager_params[0].numpy(), params[0].numpy())
    assert params[0].grad is None and compiled.eager_because is None


def test_the_code_names_the_tensors_and_runs_on_its_own():
    def make():
        tg.manual_seed(0)
        model = tg.nn.Sequential()
        model.add_module("hidden", tg.nn.Linear(4, 40))
        model.add_module("activation", tg.nn.Sigmoid())
        model.add_module("output", tg.nn.Linear(40, 3))
        opt = tg.optim.SGD(model.parameters(), lr=0.5)

        def train_step(x, y):
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x), y, reduction="sum") / len(x)
            loss.backward()
            opt.step()
            return loss
        return model, opt, train_step

    model, opt, step = make()
    compiled = tg.compile(step)
    (x, y), = batches([4, 40, 3], 10, count=1)
    compiled(tg.Tensor(x), tg.Tensor(y))
    code = compiled.code
    for name in ("hidden_weight", "output_bias", "grad_z1", "VJP of sigmoid",
                 "g * out * (1 - out)", 'theta -= group["lr"] * g'):
        assert name in code
    # the source alone, on a fresh copy of the model, gives eager's numbers
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102
    own, own_opt, _ = make()
    eager_model, _, eager = make()
    for _ in range(2):
        eager(tg.Tensor(x), tg.Tensor(y))
    for _ in range(2):
        namespace["train_step"](x, y, *own.parameters(), own_opt)
    for p, q in zip(eager_model.parameters(), own.parameters(), strict=True):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_two_backwards_in_one_step_add_up_and_create_graph_runs_eagerly():
    def make(create_graph=False):
        w = tg.tensor([0.5, -2.0], requires_grad=True)

        def step(x, y):
            (x * w).sum().backward(create_graph=create_graph)
            loss = (w * w * y).sum()
            loss.backward()          # adds to the gradient of the first backward
            return loss
        return [w], step
    data = [(np.array([1.0, 3.0], np.float32), np.array([2.0, -1.0], np.float32))]
    run_both(make, data, 3)
    _, step = make(create_graph=True)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):  # create_graph: a graph to keep
        tg.compile(step)(*map(tg.Tensor, data[0]))


NET = None  # the model global_step trains, as a script's global would be


def global_step(x):
    return train(NET, x)


def test_a_new_model_in_the_same_variable_traces_again():
    """The replay holds the parameters it was traced with: rebinding the name the step
    reads them through must not leave it training the old model."""
    global NET
    NET = tg.nn.Linear(2, 1)
    step = tg.compile(global_step)
    x = tg.ones(3, 2)
    step(x)
    step(x)
    NET = tg.nn.Linear(2, 1)
    fresh = NET.weight.numpy().copy()
    step(x)
    assert not np.array_equal(NET.weight.numpy(), fresh)  # the new model trained
    assert sum(map(len, step.cache.values())) == 2 and step.eager_because is None


def train(model, x):
    model.zero_grad()
    loss = model(x).square().sum()
    loss.backward()
    with tg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    return loss


def test_keyword_arguments_run_eagerly():
    w = tg.ones(2, requires_grad=True)
    step = tg.compile(lambda x: (x * w).sum())
    with pytest.warns(RuntimeWarning, match="keyword arguments"):
        assert step(x=tg.ones(2)).item() == 2.0


def test_grad_mode_and_requires_grad_are_part_of_the_signature():
    tg.manual_seed(0)
    model = tg.nn.Linear(3, 2)

    def step(x):
        loss = model(x).sigmoid().sum()
        if loss.requires_grad:  # a replay returns no graph: its backward is in the step
            loss.backward()
        return loss
    forward = tg.compile(step)
    x = tg.ones(4, 3)
    with tg.no_grad():
        evaluated = forward(x)
    trained = forward(x)
    assert not evaluated.requires_grad and evaluated.item() == trained.item()
    with tg.no_grad():
        forward(tg.ones(4, 3, requires_grad=True))
    keys = sorted((key[0], key[1][3]) for key in forward.cache)  # (grad mode, x requires grad)
    assert keys == [(False, False), (False, True), (True, False)]


def test_a_trace_in_one_thread_never_takes_in_another_threads_steps():
    import threading

    def make(hold):
        w = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
        opt = tg.optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = (x * w).sigmoid().sum()
            hold()  # thread A pauses here, mid-trace, on its first call
            loss = loss * loss
            loss.backward()
            opt.step()
            return loss
        return step, w

    x = tg.tensor([1.0, 2.0, 3.0])
    eager, w_eager = make(lambda: None)
    for _ in range(3):
        eager(x)
    paused, resume, calls = threading.Event(), threading.Event(), []

    def hold():
        calls.append(1)
        if len(calls) == 1:
            paused.set()
            resume.wait(10)

    step_a, w_a = make(hold)
    step_b, w_b = make(lambda: None)
    compiled_a, compiled_b = tg.compile(step_a), tg.compile(step_b)
    thread = threading.Thread(target=lambda: [compiled_a(x) for _ in range(3)])
    thread.start()
    assert paused.wait(10)
    for _ in range(3):  # while A's trace is open: B's calls (its own trace included)
        compiled_b(x)
    resume.set()
    thread.join(10)
    assert np.array_equal(w_a.numpy(), w_eager.numpy())
    assert np.array_equal(w_b.numpy(), w_eager.numpy())


MASKED = {  # compositions that use a constant the engine makes: a mask, softmax's shift
    "std": lambda h: (h - h.mean(0)) / (h.std(0) + 1e-3),
    "where": lambda h: tg.where(h > 0, h, 0.1 * h),
    "clip": lambda h: h.clip(-1.0, 0.5),
    "leaky_relu": lambda h: tg.nn.functional.leaky_relu(h, 0.1),
    "elu": lambda h: tg.nn.functional.elu(h),
    "softplus with a threshold": lambda h: tg.nn.functional.softplus(h, beta=2, threshold=1),
    "norm": lambda h: h / (h.norm(dim=1, keepdim=True) + 1e-3),
    "softmax": lambda h: tg.nn.functional.softmax(h, dim=1),
    "logsumexp": lambda h: h.logsumexp(1),
}


@pytest.mark.parametrize("name", MASKED)
def test_masks_from_comparisons_are_recorded_and_replayed(name):
    # comparisons and the shift are primitives without a gradient: a trace records what
    # they make, so these steps replay, with eager's numbers, instead of falling back
    def make():
        w = tg.tensor([[0.5, -1.0], [2.0, 0.25], [-0.5, 1.5]], requires_grad=True)
        opt = tg.optim.SGD([w], lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = MASKED[name](x @ w).pow(2).sum()
            loss.backward()
            opt.step()
            return loss
        return step, w

    batches = [tg.tensor(np.random.default_rng(i).standard_normal((5, 3)).astype(np.float32))
               for i in range(4)]
    batches[2] = tg.ones(5, 3)  # a constant batch: zero variances
    eager, w_eager = make()
    losses = [eager(x).item() for x in batches]
    step, w = make()
    compiled = tg.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        replayed = [compiled(x).item() for x in batches]
    assert compiled.code  # traced and replayed
    assert replayed == losses and np.array_equal(w.numpy(), w_eager.numpy())


def test_numpy_scalars_become_constants_with_their_dtype_and_sign_of_zero():
    # a numpy scalar operand is made once, as a global: -0.0 and 0.0 must stay two numbers
    def step(x):
        return x * np.float32(-0.0), x * np.float32(0.0), x * np.float64(0.5)
    compiled = tg.compile(step)
    x = tg.tensor([1.0, -3.0])
    for _ in range(2):
        replayed = compiled(x)
    assert compiled.eager_because is None and compiled.last is not None
    for got, want in zip(replayed, step(x), strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got.numpy(), want.numpy())
        np.testing.assert_array_equal(np.signbit(got.numpy()), np.signbit(want.numpy()))
    assert "np.float32(-0.0)" in compiled.code and "np.float32(0.0)" in compiled.code


def test_dropout_draws_anew_at_every_call_as_eager_does():
    # the mask is drawn by a primitive (ops.dropout_scale) from the default generator: a
    # replay draws the numbers the eager step would have drawn, call after call
    def train(compiled: bool) -> tuple[list, list]:
        tg.manual_seed(0)
        model = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Dropout(0.5),
                                 tg.nn.Linear(8, 3))
        step = training_step(tg.optim.SGD(model.parameters(), lr=0.1),
                             lambda x, y: F.cross_entropy(model(x), y))
        step = tg.compile(step) if compiled else step
        x, y = tg.randn(6, 4), tg.tensor([0, 1, 2, 0, 1, 2])
        tg.manual_seed(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            losses = [step(x, y).item() for _ in range(5)]
        if compiled:
            assert step.eager_because is None and "ops.dropout_scale" in step.code
        return losses, list(model.parameters())

    (eager_losses, eager_params), (losses, params) = train(False), train(True)
    assert losses == eager_losses and len(set(losses)) == 5  # new masks: new losses
    assert_same(eager_params, params)


# ---------------------------------------------------------------------------------------
# The optimisers' updates, written out as numpy calls
# ---------------------------------------------------------------------------------------

def trainer(kind: str):
    return mlp_training([4, 6, 3], "sigmoid", kind)


def assert_same_training(eager_opt, opt):
    """Parameters, gradients, versions and the whole optimiser state, to the last bit."""
    params, eager_params = params_of(opt), params_of(eager_opt)
    assert_same(eager_params, params)
    for p, q in zip(eager_params, params, strict=True):
        assert p._version == q._version
        eager_state, state = eager_opt.state[p], opt.state[q]
        assert eager_state.keys() == state.keys()
        for key, value in eager_state.items():
            assert type(value) is type(state[key])
            np.testing.assert_array_equal(value, state[key])


def train_side_by_side(kind: str, calls: int, between=lambda i, opt: None):
    """An eager and a compiled trainer on the same batches, `between(i, opt)` done to both
    optimisers before call i; the compiled one must never fall back to eager."""
    eager_opt, eager = trainer(kind)
    opt, step = trainer(kind)
    compiled = tg.compile(step)
    data = batches([4, 6, 3], 5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(calls):
            between(i, eager_opt)
            between(i, opt)
            x, y = (tg.Tensor(a) for a in data[i % len(data)])
            assert eager(x, y).item() == compiled(x, y).item()
    assert_same_training(eager_opt, opt)
    return compiled


@pytest.mark.parametrize("kind", OPTIMISERS)
def test_every_optimiser_is_written_out_as_numpy_calls(kind):
    compiled = train_side_by_side(kind, 6)
    code = compiled.code
    assert "_step_one" not in code and "steps_taken(" in code
    assert compiled.eager_because is None and len(compiled.cache) == 1
    name = type(trainer(kind)[0]).__name__
    assert f"# {name}.step: theta -= " in code  # the algorithm's own lines as comments


def test_the_adam_lines_read_as_the_algorithm():
    code = train_side_by_side("adam", 2).code
    for line in ("multiply(m, beta1, m)", "# Adam.step: m *= beta1",
                 "divide(m, 1 - beta1 ** t, ", "# Adam.step: m_hat = m / (1 - beta1 ** t)",
                 'beta1 = opt.param_groups[0]["betas"][0]', 't = state["step"]'):
        assert line in code


@pytest.mark.parametrize("kind", ["sgd", "momentum", "adam", "adagrad"])
def test_a_scheduler_changes_the_learning_rate_between_calls(kind):
    schedulers = {}

    def between(i, opt):
        if i == 0:
            schedulers[id(opt)] = tg.optim.lr_scheduler.ExponentialLR(opt, gamma=0.7)
        else:
            schedulers[id(opt)].step()
    compiled = train_side_by_side(kind, 6, between)
    assert len(compiled.cache) == 1  # read at every call: no new trace


@pytest.mark.parametrize("kind", ["momentum", "adam weight decay, amsgrad",
                                  "rmsprop centered, momentum", "adagrad"])
def test_load_state_dict_between_calls(kind):
    """New state arrays (and step counts) are read at every call; an empty state (a fresh
    optimiser's) makes the first step's branches run again, which traces again."""
    saved = {}

    def between(i, opt):
        if i == 3:
            saved[id(opt)] = copy.deepcopy(opt.state_dict())
        if i == 5:
            opt.load_state_dict(saved[id(opt)])  # back to call 3's state, new arrays
        if i == 7:
            opt.load_state_dict(OPTIMISERS[kind](params_of(opt)).state_dict())
    compiled = train_side_by_side(kind, 10, between)
    assert compiled.eager_because is None


@pytest.mark.parametrize("kind, key, values", [
    ("momentum", "momentum", [0.9, 0, 0, 0.5, 0.9]),   # momentum off: plain SGD's lines
    ("sgd", "momentum", [0, 0.9, 0]),                   # and on: its buffer made anew
    ("nesterov", "nesterov", [True, False, True]),
    ("adam", "amsgrad", [False, True, False]),          # amsgrad's state made on its step
    ("adam", "weight_decay", [0, 0.1, 0.1]),
    ("rmsprop", "centered", [False, True, True]),
    ("adagrad", "lr", [0.1, np.float64(0.05), 0.05]),   # a numpy float promotes float32
    ("momentum", "lr", [0.1, np.float32(0.05), 1]),
])
def test_a_setting_changed_between_calls_traces_again(kind, key, values):
    def between(i, opt):
        setting = values[min(i // 2, len(values) - 1)]
        for group in opt.param_groups:
            group[key] = setting
    compiled = train_side_by_side(kind, 2 * len(values) + 1, between)
    assert 1 < len(compiled.cache[next(iter(compiled.cache))]) <= len(values)


def test_an_update_that_cannot_be_written_out_calls_its_own_step():
    class ClippedSGD(tg.optim.SGD):
        def _update(self, theta, g, state, group):
            theta -= group["lr"] * np.clip(g, -0.01, 0.01)  # np.clip: not written out

    OPTIMISERS["clipped"] = lambda params: ClippedSGD(params, lr=0.5)
    try:
        compiled = train_side_by_side("clipped", 4)
    finally:
        del OPTIMISERS["clipped"]
    assert "opt._step_one(p_" in compiled.code and "np.clip" in compiled.code


@pytest.mark.parametrize("layer", [lambda: tg.nn.Dropout(0.5), lambda: tg.nn.BatchNorm1d(4)])
def test_a_module_in_another_mode_traces_again(layer):
    # Dropout and BatchNorm read `training` in Python: a replay traced in training mode
    # would go on dropping entries (or using the batch's statistics) in eval mode. The
    # modes of the modules called are guarded. In eval mode BatchNorm reads its running
    # statistics through detach(): a new tensor on the buffer's array, read at each call.
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), layer())
    forward = tg.compile(lambda x: model(x).sum())
    x = tg.randn(5, 3)
    with warnings.catch_warnings(), tg.no_grad():  # an output with a graph runs eagerly
        warnings.simplefilter("error")
        for training in (True, True, False, False, True):
            model.train(training)
            if training:
                forward(x)
            else:
                assert forward(x).item() == model(x).sum().item()
    assert len(forward.cache[next(iter(forward.cache))]) == 2  # one replay per mode


def test_the_mode_a_step_sets_is_replayed():
    # a step that puts its model in training mode itself holds whatever the mode before
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Dropout(0.5), tg.nn.Linear(4, 2))
    step = training_step(tg.optim.SGD(model.parameters(), lr=0.1),
                         lambda x, y: (model.train(), F.cross_entropy(model(x), y))[1])
    step = tg.compile(step)
    x, y = tg.randn(6, 3), tg.tensor([0, 1, 0, 1, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            model.eval()
            step(x, y)
            assert model.training and model[1].training  # as the eager step leaves it
    assert "model.train(True)" in step.code
    assert sum(map(len, step.cache.values())) == 1


def test_a_compiled_model_keeps_its_graph_by_running_eagerly():
    # torch.compile(model) returns outputs to differentiate: a replay builds no graph, so
    # a function that returns one and runs no backward runs eagerly (its replay would
    # hand back numbers without a graph); under no_grad it is replayed
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    compiled, x = tg.compile(model), tg.randn(5, 3)
    with pytest.warns(RuntimeWarning, match="returns a tensor that requires grad"):
        out = compiled(x)
    out.sum().backward()
    assert out.requires_grad and compiled(x).requires_grad
    assert model[0].weight.grad is not None
    with tg.no_grad():
        inference = tg.compile(model)
        replayed = [inference(x) for _ in range(3)]
        assert inference.eager_because is None and inference.last is not None
        np.testing.assert_array_equal(replayed[-1].numpy(), model(x).numpy())


def test_pytorchs_keyword_arguments():
    w = tg.ones(2, requires_grad=True)

    def forward(x):
        return x * w  # requires grad, and no backward: cannot be replayed
    with pytest.raises(RuntimeError, match=r"fullgraph=True\): forward cannot be replayed"):
        tg.compile(forward, fullgraph=True)(tg.ones(2))
    assert tg.compile(forward, disable=True) is forward
    with pytest.raises(ValueError, match="mode must be one of default, reduce-overhead"):
        tg.compile(forward, mode="fastest")

    @tg.compile(mode="max-autotune", dynamic=False, backend="inductor")
    def step(x):
        loss = (x * w).sum()
        loss.backward()
        return loss
    for _ in range(2):
        assert step(tg.ones(2)).item() == 2.0
    assert step.eager_because is None and step.last is not None
