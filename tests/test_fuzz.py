"""The project's differential fuzz: random expression graphs against finite differences.

Hypothesis draws a program: one to three float64 leaves of broadcastable shapes, then up to
STEPS operations, each taking earlier values as operands, over every primitive and the main
compositions (elementwise functions, broadcasting, reductions with and without keepdim,
indexing, matmul and linear, the losses, conv2d and pooling). The graph's value is
reduced to a scalar with fixed random weights, and three things are checked:

1. the forward pass is finite wherever each operation's inputs are in range, and silent
   (RuntimeWarnings are errors);
2. first derivatives against central finite differences (`tg.gradcheck`);
3. Hessian-vector products against finite differences of gradients (`tg.gradgradcheck`:
   it differentiates x -> J(x)^T v, the backward pass recorded with create_graph, and
   compares with (J(x + eps u)^T v - J(x - eps u)^T v) / (2 eps)).

Every graph is legal by construction: log, sqrt, division and fractional powers see
a * a + 1/2 (at least 1/2), exponents are 3 tanh(b) (in (-3, 3)), asin and acos see
0.9 tanh(a). Kinks cannot be built away, so the first run measures how close the drawn
point is to one (relu and abs at 0, ties in max and maximum, the jumps of floor and round,
the branch cut of atan2, a zero variance under std...) and hypothesis rejects a point
closer than MARGIN; a program ends before a step whose values would leave [-CAP, CAP].

Tolerance. Central differences in float64 with step eps = 1e-6 err by about
eps^2 |f'''| / 6 (truncation, ~1e-12 here) plus 2^-52 |f| / eps (rounding, ~2e-10 |f|);
so with values below CAP = 100 both stay far below `atol = 1e-5 (1 + |f|)`, with
`rtol = 1e-5`. That is tight: a VJP off by one part in 10^4 fails (tried on sin's).
A point within MARGIN = 1e-2 of a kink is rejected: a step of eps |u| (|u| < 5) moves a
value by |f'| 5e-6, far below MARGIN for the slopes that values below CAP come with.

Profiles: CI (`CI=true`) runs FUZZ_EXAMPLES_CI derandomized programs (a few seconds);
`TG_FUZZ=large python -m pytest tests/test_fuzz.py` runs FUZZ_EXAMPLES_LARGE random ones
with longer programs and larger shapes (`TG_FUZZ_EXAMPLES=n` sets the count).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import strategies as tst

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")
F = tg.nn.functional

LARGE = os.environ.get("TG_FUZZ") == "large"
FUZZ_EXAMPLES_CI, FUZZ_EXAMPLES_LARGE = 200, 20_000
EXAMPLES = int(os.environ.get("TG_FUZZ_EXAMPLES", FUZZ_EXAMPLES_LARGE if LARGE else
                              FUZZ_EXAMPLES_CI))
STEPS = 8 if LARGE else 5
MAX_SIDE = 4 if LARGE else 3
MARGIN, CAP = 1e-2, 100.0
EPS = 1e-6


# -- measuring the drawn point: kinks, range, finiteness ---------------------------------------


@dataclass
class Probe:
    """What the first run of a program saw: the distance to the nearest kink, and which
    operations gave a non-finite value from inputs in range."""
    kink: float = math.inf
    not_finite: list[str] = field(default_factory=list)

    def near(self, distances) -> None:
        distances = np.asarray(distances, dtype=np.float64)
        if distances.size:
            self.kink = min(self.kink, float(np.min(np.abs(distances))))


def gap_of_top_two(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """For each group reduced over `axes`, the largest value minus the second largest: a max
    has a kink where this is 0."""
    moved = np.moveaxis(x, axes, tuple(range(-len(axes), 0))) if axes else x[..., None]
    groups = moved.reshape(-1, math.prod(moved.shape[moved.ndim - max(len(axes), 1):]))
    if groups.shape[1] < 2:
        return np.array([])
    top = np.sort(groups, axis=1)
    return top[:, -1] - top[:, -2]


def pos(a: tg.Tensor) -> tg.Tensor:
    """A positive function of a (at least 1/2): the operand of log, sqrt, division, powers."""
    return a * a + 0.5


def matrix(a: tg.Tensor) -> tg.Tensor:
    """a as a matrix (rows, last axis); a 0-d or 1-d a becomes one row."""
    return a.reshape(1, -1) if a.ndim < 2 else a.reshape(-1, a.shape[-1])


def image(a: tg.Tensor) -> tg.Tensor:
    """a as a batch of one-channel images (N, 1, H, W) from its last two axes."""
    return a.reshape(1, 1, 1, -1) if a.ndim < 2 else a.reshape(-1, 1, *a.shape[-2:])


def like(a: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
    """b made into a's shape: broadcast when it can be, else its mean spread over a's shape
    (so that binary losses, cat and stack always get operands of one shape)."""
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        shape = None
    return b + a * 0 if shape == a.shape else a * 0 + b.mean()


def broadcastable(a: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
    """b itself when it broadcasts with a, else its mean (a 0-d tensor broadcasts always)."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
        return b
    except ValueError:
        return b.mean()


# -- the operations -------------------------------------------------------------------------
# Each takes (a, b, params, probe): two operands (unary ones ignore b), the params drawn for
# their shapes, and the probe of the first run (None on replays). Each records its kinks.


def _near(probe: Probe | None, distances) -> None:
    if probe is not None:
        probe.near(distances)


def _values(t: tg.Tensor) -> np.ndarray:
    return t.numpy()


def kinked(at: Callable[[np.ndarray], np.ndarray], f: Callable[[tg.Tensor], tg.Tensor]):
    """A unary op with kinks where at(x) == 0."""
    def op(a, b, params, probe):
        _near(probe, at(_values(a)))
        return f(a)
    return op


def smooth(f: Callable[[tg.Tensor], tg.Tensor]):
    return lambda a, b, params, probe: f(a)


def nearest_integer(x):
    return x - np.round(x)


def nearest_half(x):
    return x - np.floor(x) - 0.5


def reduce_op(method: str):
    def op(a, b, params, probe):
        dim, keep = params["dim"], params["keepdim"]
        axes = tuple(range(a.ndim)) if dim is None else (dim % a.ndim,)
        if method in ("amax", "amin", "max", "min") and a.ndim:
            _near(probe, gap_of_top_two(_values(a) * (1 if method in ("amax", "max") else -1),
                                        axes))
        if method == "std":
            _near(probe, np.var(_values(a), axis=axes, ddof=0))
        if method in ("var", "std"):  # correction 1 over one value is 0/0 (NaN, as PyTorch)
            count = math.prod(a.shape[ax] for ax in axes)
            correction = params["correction"] if count > 1 else 0
            return getattr(a, method)(dim, keepdim=keep, correction=correction)
        if dim is None:
            return getattr(a, method)()
        if method in ("max", "min"):
            return getattr(a, method)(dim, keepdim=keep).values
        return getattr(a, method)(dim, keepdim=keep)
    return op


def binary_kinked(at, f):
    def op(a, b, params, probe):
        b = broadcastable(a, b)
        x, y = np.broadcast_arrays(_values(a), _values(b))
        _near(probe, at(x, y))
        return f(a, b)
    return op


def binary(f):
    return lambda a, b, params, probe: f(a, broadcastable(a, b))


def atan2_cut(y, x):
    # atan2 jumps by 2 pi across the negative x axis and has no derivative at the origin
    return np.where(x < 0, np.abs(y), np.hypot(x, y))


def checkerboard(shape: tuple[int, ...]) -> np.ndarray:
    """A fixed boolean mask (every other entry, the first one True). Fixed, not taken from
    the values: a mask that follows them would change where finite differences step."""
    return np.arange(math.prod(shape)).reshape(shape) % 2 == 0


def index_op(a, b, params, probe):
    if a.ndim == 0:
        return a * 1
    kind, n = params["index"], a.shape[0]
    if kind == "slice":
        return a[::2] if n > 1 else a[0:1]
    if kind == "ints":  # repeats accumulate in the gradient
        return a[np.array([n - 1, 0, n - 1])]
    if kind == "mask":
        return a[checkerboard(a.shape)]
    return a[..., -1]


def where_op(a, b, params, probe):
    b = broadcastable(a, b)
    return tg.where(checkerboard(np.broadcast_shapes(a.shape, b.shape)), a, b)


def matmul_op(a, b, params, probe):
    m, n = matrix(a), matrix(b)
    if params["linear"]:
        return F.linear(m, n, n.sum(1)) if n.shape[1] == m.shape[1] else F.linear(m, m)
    return m @ n.T if n.shape[1] == m.shape[1] else m @ m.T


def join_op(a, b, params, probe):
    b = like(a, b)
    if params["stack"]:
        return tg.stack([a, b], dim=params["dim"] % (a.ndim + 1))
    if a.ndim == 0:
        return tg.stack([a, b])
    return tg.cat([a, b], dim=params["dim"] % a.ndim)


def shape_op(a, b, params, probe):
    kind = params["shape"]
    if kind == "reshape":
        return a.reshape(-1)
    if kind == "transpose" and a.ndim >= 2:
        return a.transpose(0, -1)
    if kind == "permute" and a.ndim >= 2:
        return a.permute(*reversed(range(a.ndim)))
    if kind == "flip" and a.ndim:
        return a.flip(-1)
    return a.unsqueeze(0).expand(2, *a.shape)


def cumsum_op(a, b, params, probe):
    return a.cumsum(-1) if a.ndim else a * 1


def softmax_op(kind):
    def op(a, b, params, probe):
        if a.ndim == 0:
            return a * 1
        return getattr(a, kind)(-1) if kind != "logsumexp" else a.logsumexp(-1)
    return op


def loss_op(a, b, params, probe):
    kind, b = params["loss"], like(a, b)
    difference = _values(a) - _values(b)
    if kind == "mse":
        return F.mse_loss(a, b, reduction=params["reduction"])
    if kind == "l1":
        _near(probe, difference)
        return F.l1_loss(a, b, reduction=params["reduction"])
    if kind == "smooth_l1":  # kinks of the second derivative at |d| = beta = 1
        _near(probe, np.abs(difference) - 1)
        return F.smooth_l1_loss(a, b, reduction=params["reduction"])
    if kind == "bce":
        return F.binary_cross_entropy(a.sigmoid(), b.sigmoid(), reduction=params["reduction"])
    if kind == "bce_logits":
        return F.binary_cross_entropy_with_logits(a, b.sigmoid(),
                                                  reduction=params["reduction"])
    logits = matrix(a)
    target = np.arange(logits.shape[0]) % logits.shape[1]
    if kind == "nll":
        return F.nll_loss(logits.log_softmax(1), tg.tensor(target), reduction=params["reduction"])
    return F.cross_entropy(logits, tg.tensor(target), reduction=params["reduction"])


def conv_op(a, b, params, probe):
    x = image(a)
    h, w = x.shape[-2:]
    kh, kw = min(params["kernel"], h + 2 * params["padding"]), \
        min(params["kernel"], w + 2 * params["padding"])
    kernel = np.cos(np.arange(kh * kw) + 1.0).reshape(1, 1, kh, kw)
    weight = (b.mean() + 1) * tg.tensor(kernel)  # b reaches the weights through its mean
    return F.conv2d(x, weight, b.mean().reshape(1), stride=params["stride"],
                    padding=params["padding"])


def pool_op(a, b, params, probe):
    x = image(a)
    k = min(params["kernel"], *x.shape[-2:])
    stride = params["stride"]
    if params["max"]:
        windows = np.lib.stride_tricks.sliding_window_view(_values(x), (k, k), axis=(-2, -1))
        _near(probe, gap_of_top_two(windows[..., ::stride, ::stride, :, :], (-2, -1)))
        return F.max_pool2d(x, k, stride)
    return F.avg_pool2d(x, k, stride)


def pow_op(a, b, params, probe):
    b = broadcastable(a, b)
    return pos(a) ** (3 * b.tanh())  # the exponent in (-3, 3), the base at least 1/2


def clamp_op(a, b, params, probe):
    _near(probe, np.concatenate([(_values(a) + 0.5).ravel(), (_values(a) - 0.7).ravel()]))
    return a.clamp(-0.5, 0.7)


OPS: dict[str, Callable] = {
    # elementwise, one operand
    "neg": smooth(lambda a: -a),
    "exp": smooth(lambda a: a.exp()),
    "log": smooth(lambda a: pos(a).log()),
    "log1p": smooth(lambda a: (a * a).log1p()),
    "log2": smooth(lambda a: pos(a).log2()),
    "log10": smooth(lambda a: pos(a).log10()),
    "expm1": smooth(lambda a: a.expm1()),
    "sqrt": smooth(lambda a: pos(a).sqrt()),
    "square": smooth(lambda a: a ** 2),
    "cube": smooth(lambda a: a ** 3),
    "fractional power": smooth(lambda a: pos(a) ** -1.5),
    "reciprocal": smooth(lambda a: 1 / pos(a)),
    "abs": kinked(lambda x: x, lambda a: a.abs()),
    "relu": kinked(lambda x: x, lambda a: a.relu()),
    "leaky_relu": kinked(lambda x: x, lambda a: F.leaky_relu(a, 0.1)),
    "elu": kinked(lambda x: x, lambda a: F.elu(a)),
    "sign": kinked(lambda x: x, lambda a: a.sign() + a),
    "floor": kinked(nearest_integer, lambda a: a.floor() + a),
    "ceil": kinked(nearest_integer, lambda a: a.ceil() * a),
    "trunc": kinked(nearest_integer, lambda a: a.trunc() + a),
    "round": kinked(nearest_half, lambda a: a.round() * a),
    "clamp": clamp_op,
    "sigmoid": smooth(lambda a: a.sigmoid()),
    "tanh": smooth(lambda a: a.tanh()),
    "softplus": smooth(lambda a: F.softplus(a)),
    "gelu": smooth(lambda a: F.gelu(a)),
    "silu": smooth(lambda a: F.silu(a)),
    "sin": smooth(lambda a: a.sin()),
    "cos": smooth(lambda a: a.cos()),
    "tan": smooth(lambda a: a.tanh().tan()),
    "asin": smooth(lambda a: (0.9 * a.tanh()).asin()),
    "acos": smooth(lambda a: (0.9 * a.tanh()).acos()),
    "atan": smooth(lambda a: a.atan()),
    "sinh": smooth(lambda a: a.sinh()),
    "cosh": smooth(lambda a: a.cosh()),
    "cumsum": cumsum_op,
    # elementwise, two operands (broadcasting)
    "add": binary(lambda a, b: a + b),
    "sub": binary(lambda a, b: a - b),
    "mul": binary(lambda a, b: a * b),
    "div": binary(lambda a, b: a / pos(b)),
    "pow": pow_op,
    "maximum": binary_kinked(lambda x, y: x - y, tg.maximum),
    "minimum": binary_kinked(lambda x, y: x - y, tg.minimum),
    "atan2": binary_kinked(atan2_cut, tg.atan2),
    "where": where_op,
    # reductions, with and without keepdim
    "sum": reduce_op("sum"),
    "mean": reduce_op("mean"),
    "var": reduce_op("var"),
    "std": reduce_op("std"),
    "max": reduce_op("max"),
    "min": reduce_op("min"),
    "amax": reduce_op("amax"),
    "amin": reduce_op("amin"),
    "prod": reduce_op("prod"),
    "softmax": softmax_op("softmax"),
    "log_softmax": softmax_op("log_softmax"),
    "logsumexp": softmax_op("logsumexp"),
    # shapes and indexing
    "shape": shape_op,
    "index": index_op,
    "join": join_op,
    # products, losses, convolution and pooling
    "matmul": matmul_op,
    "loss": loss_op,
    "conv2d": conv_op,
    "pool": pool_op,
}


def draw_params(draw, name: str, a_shape: tuple[int, ...]) -> dict:
    """The parameters of one operation, drawn from its operand's shape only (a replay
    with other values makes the same choices)."""
    ndim = len(a_shape)
    if name in ("sum", "mean", "var", "std", "max", "min", "amax", "amin", "prod"):
        dim = draw(st.none() | st.integers(-ndim, ndim - 1)) if ndim else None
        if name in ("max", "min") and dim is None and ndim:
            dim = draw(st.integers(-ndim, ndim - 1))  # with dim: (values, indices)
        return {"dim": dim, "keepdim": draw(st.booleans()), "correction": draw(st.integers(0, 1))}
    if name == "index":
        return {"index": draw(st.sampled_from(["slice", "ints", "mask", "last"]))}
    if name == "join":
        return {"stack": draw(st.booleans()), "dim": draw(st.integers(-3, 3))}
    if name == "shape":
        return {"shape": draw(st.sampled_from(["reshape", "transpose", "permute", "flip",
                                               "expand"]))}
    if name == "matmul":
        return {"linear": draw(st.booleans())}
    if name == "loss":
        return {"loss": draw(st.sampled_from(["mse", "l1", "smooth_l1", "bce", "bce_logits",
                                              "nll", "cross_entropy"])),
                "reduction": draw(st.sampled_from(["mean", "sum", "none"]))}
    if name == "conv2d":
        return {"kernel": draw(st.integers(1, 3)), "stride": draw(st.integers(1, 2)),
                "padding": draw(st.integers(0, 1))}
    if name == "pool":
        return {"max": draw(st.booleans()), "kernel": draw(st.integers(1, 2)),
                "stride": draw(st.integers(1, 2))}
    return {}


@dataclass
class Program:
    steps: list[tuple[str, int, int, dict]]
    weights: np.ndarray
    leaves: int

    def __call__(self, *leaves: tg.Tensor) -> tg.Tensor:
        pool = list(leaves)
        for name, i, j, params in self.steps:
            pool.append(OPS[name](pool[i], pool[j], params, None))
        return (pool[-1] * tg.tensor(self.weights)).sum()

    def __repr__(self) -> str:
        return "Program(" + "; ".join(f"v{self.leaves + k} = {name}(v{i}, v{j}, {params})"
                                      for k, (name, i, j, params) in enumerate(self.steps)) + ")"


def in_range(probe: Probe, name: str, out: tg.Tensor) -> bool:
    """Record a non-finite value; say whether every value is within [-CAP, CAP]."""
    values = out.numpy()
    if not np.isfinite(values).all():
        probe.not_finite.append(name)
    return bool(np.abs(values).max(initial=0) <= CAP)


@st.composite
def programs(draw) -> tuple[Program, list[np.ndarray], Probe]:
    shapes = draw(tst.broadcastable_shapes(draw(st.integers(1, 3)), max_side=MAX_SIDE))
    # distinct values: no ties among the leaves (ties further on are measured, below)
    leaves = list(draw(tst.array_tuples(shapes, min_value=-2, max_value=2, distinct=True,
                                        margin=0.01)))
    pool = [tg.tensor(x, requires_grad=True) for x in leaves]
    probe, steps = Probe(), []
    for _ in range(draw(st.integers(1, STEPS))):
        name = draw(st.sampled_from(sorted(OPS)))
        i, j = draw(st.integers(0, len(pool) - 1)), draw(st.integers(0, len(pool) - 1))
        params = draw_params(draw, name, pool[i].shape)
        out = OPS[name](pool[i], pool[j], params, probe)
        if not in_range(probe, name, out):  # the program ends before the step that left it
            break
        steps.append((name, i, j, params))
        pool.append(out)
    weights = np.asarray(draw(tst.arrays(pool[-1].shape, min_value=-1, max_value=1)))
    return Program(steps, weights, len(leaves)), leaves, probe


FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.filter_too_much,
                                                HealthCheck.data_too_large],
                         **({"derandomize": True} if not LARGE else {}))


@FUZZ_SETTINGS
@given(programs())
def test_random_graphs_match_finite_differences(drawn):
    program, leaves, probe = drawn
    assert not probe.not_finite, f"{probe.not_finite} gave non-finite values from inputs in range"
    assume(probe.kink > MARGIN)
    for name, *_ in program.steps:
        event(name)
    value = abs(program(*[tg.tensor(x) for x in leaves]).item())
    tolerance = {"eps": EPS, "atol": 1e-5 * (1 + value), "rtol": 1e-5}
    assert tg.gradcheck(program, leaves, **tolerance)
    assert tg.gradgradcheck(program, leaves, **tolerance)
