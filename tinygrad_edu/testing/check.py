"""`check_primitive`: the property test every primitive of this package passes, for yours.

    check_primitive(softsign, domain="away from 0")

draws inputs with hypothesis (shapes with 0-d and size-1 dimensions, broadcasting shapes
for a primitive of several inputs, values from a named domain) and checks, on each:

1. the forward: a Tensor, finite (the domain is where it should be), and, given a numpy
   `reference`, numpy's shape, values and dtype (in each of `dtypes`);
2. `gradcheck`: first derivatives against central finite differences, in float64;
3. `gradgradcheck`: second derivatives, the VJP itself differentiated (so a VJP in numpy
   spelling must run on tensors too: see numpy_functions.py).

On failure hypothesis shrinks the example, and the error raised is the smallest failing
one's: the primitive's name, what failed with the worst entry of the Jacobian, and the
inputs. tests/test_ops.py checks every primitive and composition of the package with it.

Import it where hypothesis is installed (the `dev` extra): `tg.testing.check_primitive`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..primitive import Primitive
from ..tensor import Tensor, broadcast_shape, broadcast_to
from . import strategies as tst
from .gradcheck import GradcheckError, gradcheck, gradgradcheck

# Where values are drawn: options of `strategies.arrays`, by name
DOMAINS: dict[str, dict] = {
    "real": {},                                            # [-5, 5]
    "positive": {"min_value": 0.1},                        # [0.1, 5]: log, sqrt, powers
    "away from 0": {"away_from": 0.0},                     # the kink of |x|, relu, sign
    "nonzero": {"away_from": 0.0, "margin": 0.5},          # divisors
    "unit interval": {"min_value": 0.05, "max_value": 0.95},   # probabilities
    "inside (-1, 1)": {"min_value": -0.9, "max_value": 0.9},   # asin, acos
    "distinct": {"distinct": True},                        # no ties: max, maximum, sort
}


class PrimitiveCheckError(AssertionError):
    """check_primitive found an input where the primitive is wrong; the message says which."""


def check_primitive(primitive: Callable[..., Tensor], domain: str | dict = "real", *,
                    arity: int | None = None, min_dims: int = 0,
                    inputs: st.SearchStrategy | None = None,
                    reference: Callable[..., np.ndarray] | None = None,
                    dtypes: Sequence = (np.float64,), max_examples: int | None = None,
                    name: str | None = None) -> None:
    """Property-test `primitive` (a Primitive, or any function of tensors): forward finite
    (and equal to `reference`'s), `gradcheck` and `gradgradcheck`, on drawn inputs.

    `domain` names where values are drawn (a key of `DOMAINS`, or a dict of options for
    `strategies.arrays`, e.g. `{"min_value": -1.0, "max_value": 1.0}`); `arity` is the
    number of inputs (by default one per VJP of a Primitive, one per positional parameter
    of a function); `min_dims` the least number of dimensions (1 for a primitive that
    reduces along axis -1). A Primitive of several inputs gets broadcasting shapes, each
    input expanded to the common shape as the Tensor layer does, so the primitive sees
    equal shapes. `inputs` replaces all that: a strategy drawing `(arrays, params)`,
    params being keywords for the call (axes, an index). `dtypes` are the float dtypes
    the forward is checked in (the derivatives always in float64). Raises
    `PrimitiveCheckError` naming the primitive, the check that failed and the smallest
    failing input hypothesis found.

    >>> import numpy as np
    >>> from tinygrad_edu.primitive import Primitive
    >>> softsign = Primitive("softsign", lambda x: x / (1 + np.abs(x)),
    ...                      lambda g, out, x: g / (1 + np.abs(x)) ** 2)
    >>> check_primitive(softsign, domain="away from 0", max_examples=10)
    """
    name = name or getattr(primitive, "name", None) or getattr(primitive, "__name__", "f")
    options = DOMAINS[domain] if isinstance(domain, str) else dict(domain)
    call = primitive
    if inputs is None:
        arity = _arity(primitive) if arity is None else arity
        inputs = _drawn_inputs(arity, options, min_dims)
        if isinstance(primitive, Primitive) and arity > 1:
            call = _broadcasting(primitive)
    dtypes = [np.dtype(d) for d in dtypes]
    # one failure, the smallest (hypothesis would otherwise report each distinct one)
    ours = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow],
            "report_multiple_bugs": False}
    if max_examples is not None:
        ours["max_examples"] = max_examples

    @settings(**ours)
    @given(data=st.data())
    def check_primitive_example(data):
        arrays, params = data.draw(inputs, label="arrays, params")
        dtype = data.draw(st.sampled_from(dtypes), label="dtype") if len(dtypes) > 1 \
            else dtypes[0]
        _check_example(name, call, reference, arrays, params, dtype)

    check_primitive_example()


def _arity(primitive: Callable) -> int:
    """How many arrays to draw: one per VJP of a Primitive, one per positional parameter
    without a default of a function."""
    if isinstance(primitive, Primitive):
        return len(primitive.vjps)
    count = sum(1 for p in inspect.signature(primitive).parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty)
    if count == 0:
        raise TypeError(f"check_primitive: {primitive!r} names no input (a Function's "
                        f"apply takes *args); say how many with arity=")
    return count


@st.composite
def _drawn_inputs(draw, arity: int, options: dict, min_dims: int):
    shapes = ((tst.shapes(min_dims=min_dims),) if arity == 1 else
              draw(tst.broadcastable_shapes(arity, min_dims=min_dims)))
    return draw(tst.array_tuples(shapes, **options)), {}


def _broadcasting(primitive: Primitive) -> Callable[..., Tensor]:
    """The primitive called as the Tensor layer calls it: inputs of different shapes
    expanded to their common shape first (expand's VJP sums the gradient back)."""
    def call(*xs: Tensor, **params) -> Tensor:
        shape = broadcast_shape(primitive.name, *(x.shape for x in xs))
        return primitive(*(broadcast_to(x, shape) for x in xs), **params)
    return call


def _check_example(name: str, call: Callable, reference, arrays, params: dict, dtype) -> None:
    def fail(what: str) -> PrimitiveCheckError:
        return PrimitiveCheckError(f"check_primitive({name}): {what}\n"
                                   f"{_describe(arrays, params, dtype)}")

    arrays = tuple(np.asarray(a) for a in arrays)
    in_dtype = [a.astype(dtype) for a in arrays]
    try:
        out = call(*(Tensor(a.copy(), requires_grad=True) for a in in_dtype), **params)
    except Exception as error:
        raise fail(f"the forward raised {type(error).__name__}: {error}") from error
    if not isinstance(out, Tensor):
        raise fail(f"the forward returned {type(out).__name__}, not a Tensor")
    if not np.all(np.isfinite(out.array)):
        raise fail(f"the forward is not finite: {out.array!r}")
    if reference is not None:
        expected = np.asarray(reference(*in_dtype, **params))
        wanted = _result_dtype(expected, in_dtype, params)
        if out.shape != expected.shape or out.dtype != wanted:
            raise fail(f"the forward has shape {out.shape} and dtype {out.dtype}; numpy's "
                       f"answer has shape {expected.shape} and dtype {wanted}")
        tolerance = 1e-5 if dtype == np.float32 else 1e-12
        if not np.allclose(out.array, expected, rtol=tolerance, atol=tolerance):
            raise fail(f"the forward is {out.array!r}, numpy's answer {expected!r}")
    f = lambda *xs: call(*xs, **params)
    for check in (gradcheck, gradgradcheck):
        try:
            check(f, arrays)
        except GradcheckError as error:
            raise fail(str(error)) from None
        except Exception as error:  # a VJP that cannot run: name the primitive and input
            raise fail(f"{check.__name__} raised {type(error).__name__}: {error}") from error


def _result_dtype(expected: np.ndarray, arrays: Sequence[np.ndarray], params: dict) -> np.dtype:
    """The dtype the engine gives (numpy 2's, with numpy 1.26 too): the float inputs' and
    float array parameters' dtypes promoted together, dtypes alone (numpy 1.26 promotes
    0-d arrays by value); the reference's own for a cast (a `dtype` parameter) and for
    results that are not floats. A 0-d parameter does not widen inputs with dimensions
    (PyTorch's rule: a 0-d float64 beside a float32 vector gives float32)."""
    if "dtype" in params or expected.dtype.kind != "f":
        return expected.dtype
    extra = [p.dtype for p in params.values()
             if isinstance(p, np.ndarray) and p.dtype.kind == "f"
             and (p.ndim or all(a.ndim == 0 for a in arrays))]
    return np.result_type(*(a.dtype for a in arrays), *extra)


def _describe(arrays, params: dict, dtype) -> str:
    lines = [f"  input {i}: {np.array2string(a, precision=17, separator=', ')} "
             f"(shape {a.shape}; the forward checked in {np.dtype(dtype)})"
             for i, a in enumerate(arrays)]
    if params:
        lines.append(f"  params: {params}")
    return "\n".join(lines)
