"""Hypothesis strategies for testing operations, this package's and your own.

Import this module only where hypothesis is installed (it is in the `dev` extra):

    from tinygrad_edu.testing import strategies as tst

What they draw:

* `shapes()`: array shapes, 0-d `()` and size-1 dimensions included (the shapes where
  broadcasting and reductions go wrong first);
* `broadcastable_shapes(n)`: n shapes that numpy can broadcast together, e.g. `(3, 1)` and
  `(4,)`;
* `arrays(shape)`: float64 arrays (float32 on request) with bounded, finite values, of a
  given shape or a drawn one; `positive_arrays` for log, sqrt and powers;
* `array_tuples(shapes)` and `broadcastable_arrays(n)`: several arrays drawn together;
* `tensors(shape)`: the same as Tensors that require grad.

Kinks and ties. Finite differences are wrong near a point where a function is not
differentiable, so:

* `away_from=a` keeps every value at least `margin` away from `a` (relu and abs have a kink
  at 0: draw with `away_from=0`);
* `distinct=True` makes all values pairwise at least `margin` apart, across all the arrays
  of one `array_tuples` draw (max and maximum have a kink wherever two entries tie).

Neither option shifts values into a convenient range: `away_from` covers all of
[min_value, max_value] but the gap, and distinct values are spread over the whole interval.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..tensor import Tensor

Shape = tuple[int, ...]
ShapeArg = Shape | st.SearchStrategy[Shape] | None

MAX_DIMS, MAX_SIDE = 3, 3  # small arrays: gradcheck's cost grows with their size


def shapes(*, min_dims: int = 0, max_dims: int = MAX_DIMS, min_side: int = 1,
           max_side: int = MAX_SIDE) -> st.SearchStrategy[Shape]:
    """Array shapes with `min_dims` to `max_dims` dimensions; by default 0-d shapes and
    size-1 dimensions are included.

    >>> from hypothesis import given
    >>> @given(shapes(max_dims=2))
    ... def check(shape):
    ...     assert len(shape) <= 2 and all(1 <= n <= MAX_SIDE for n in shape)
    >>> check()
    """
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def broadcastable_shapes(num_shapes: int = 2, *, min_dims: int = 0, max_dims: int = MAX_DIMS,
                         min_side: int = 1, max_side: int = MAX_SIDE
                         ) -> st.SearchStrategy[tuple[Shape, ...]]:
    """Tuples of `num_shapes` shapes that broadcast together under numpy's rules (shorter
    shapes are padded on the left, and size-1 dimensions stretch).

    >>> import numpy as np
    >>> from hypothesis import given
    >>> @given(broadcastable_shapes(3))
    ... def check(shapes):
    ...     np.broadcast_shapes(*shapes)  # raises if they do not broadcast
    ...     assert len(shapes) == 3
    >>> check()
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=min_side,
        max_side=max_side).map(lambda drawn: drawn.input_shapes)


def elements(*, dtype=np.float64, min_value: float = -5.0, max_value: float = 5.0,
             away_from: float | None = None, margin: float = 0.1) -> st.SearchStrategy[float]:
    """Finite numbers in [min_value, max_value], at least `margin` from `away_from` if given.

    >>> from hypothesis import given
    >>> @given(elements(away_from=0.0, margin=0.5))
    ... def check(value):
    ...     assert 0.5 <= abs(value) <= 5.0
    >>> check()
    """
    width = 8 * np.dtype(dtype).itemsize

    def between(lo: float, hi: float) -> st.SearchStrategy[float]:
        return st.floats(_exact(lo, dtype, up=True), _exact(hi, dtype, up=False),
                         allow_nan=False, allow_infinity=False, allow_subnormal=False,
                         width=width)

    if away_from is None:
        return between(min_value, max_value)
    parts = [between(lo, hi) for lo, hi in ((min_value, away_from - margin),
                                            (away_from + margin, max_value)) if lo <= hi]
    if not parts:
        raise ValueError(f"elements: no value of [{min_value}, {max_value}] is {margin} "
                         f"away from {away_from}")
    return st.one_of(parts)


def _exact(value: float, dtype, up: bool) -> float:
    """`value` rounded inwards to the nearest number that `dtype` holds exactly (hypothesis
    refuses float32 bounds such as 0.1 that float32 cannot represent)."""
    rounded = np.asarray(value, dtype=dtype)
    if up and rounded < value:
        rounded = np.nextafter(rounded, np.inf, dtype=dtype)
    if not up and rounded > value:
        rounded = np.nextafter(rounded, -np.inf, dtype=dtype)
    return float(rounded)


@st.composite
def _distinct_values(draw, size: int, dtype, min_value: float, max_value: float,
                     margin: float) -> np.ndarray:
    """`size` numbers in [min_value, max_value], pairwise at least `margin` apart: one per
    slot of width 2 * margin (distinct slots), each anywhere in its slot's first quarter (so
    neighbours are 1.5 * margin apart or more, with room to spare for rounding)."""
    slots = _slots(min_value, max_value, margin)
    if size > slots:
        raise ValueError(f"arrays: cannot draw {size} values pairwise {margin} apart in "
                         f"[{min_value}, {max_value}]; widen the interval or lower margin")
    slot = draw(hnp.arrays(np.int64, size, elements=st.integers(0, slots - 1), unique=True))
    offset = draw(hnp.arrays(np.float64, size, elements=st.floats(0, margin / 2)))
    return (min_value + 2 * margin * slot + offset).astype(dtype)


def _slots(min_value: float, max_value: float, margin: float) -> int:
    """How many values pairwise `margin` apart `_distinct_values` can draw in the interval."""
    return math.floor((max_value - min_value) / (2 * margin))


def _shape(draw, shape: ShapeArg) -> Shape:
    if shape is None:
        return draw(shapes())
    if isinstance(shape, st.SearchStrategy):
        return draw(shape)
    return tuple(shape)


@st.composite
def array_tuples(draw, shapes: tuple[ShapeArg, ...], *, dtype=np.float64,
                 min_value: float = -5.0, max_value: float = 5.0,
                 away_from: float | None = None, margin: float = 0.1,
                 distinct: bool = False) -> tuple[np.ndarray, ...]:
    """One array per entry of `shapes` (each a shape, a strategy for shapes, or None for a
    drawn one). With `distinct=True` no two entries of any of the arrays are closer than
    `margin`, so that maximum(x, y) has no ties between x and y either.

    >>> from hypothesis import given
    >>> @given(array_tuples([(2,), (3, 1)], distinct=True))
    ... def check(pair):
    ...     values = np.sort(np.concatenate([a.ravel() for a in pair]))
    ...     assert np.all(np.diff(values) >= 0.1)
    >>> check()
    """
    drawn = [_shape(draw, s) for s in shapes]
    sizes = [math.prod(s) for s in drawn]
    if distinct:
        if away_from is not None:
            raise ValueError("arrays: choose either distinct=True or away_from, not both")
        if any(not isinstance(s, tuple) for s in shapes):  # drawn shapes may be too large
            assume(sum(sizes) <= _slots(min_value, max_value, margin))
        flat = draw(_distinct_values(sum(sizes), dtype, min_value, max_value, margin))
        pieces = np.split(flat, np.cumsum(sizes)[:-1])
        return tuple(p.reshape(s) for p, s in zip(pieces, drawn, strict=True))
    values = elements(dtype=dtype, min_value=min_value, max_value=max_value,
                      away_from=away_from, margin=margin)
    return tuple(draw(hnp.arrays(dtype, s, elements=values)) for s in drawn)


@st.composite
def arrays(draw, shape: ShapeArg = None, **options) -> np.ndarray:
    """An array of the given shape (or a drawn one); float64 with values in [-5, 5] unless
    `dtype`, `min_value`, `max_value` say otherwise; `away_from`, `margin` and `distinct`
    as in the module's docstring.

    >>> from hypothesis import given
    >>> @given(arrays((2, 3), away_from=0.0))
    ... def check(x):
    ...     assert x.shape == (2, 3) and x.dtype == np.float64 and np.all(abs(x) >= 0.1)
    >>> check()
    """
    return draw(array_tuples((shape,), **options))[0]


def positive_arrays(shape: ShapeArg = None, *, min_value: float = 0.1, max_value: float = 5.0,
                    **options) -> st.SearchStrategy[np.ndarray]:
    """Arrays with values in [min_value, max_value], min_value > 0: inputs for log, sqrt,
    and the base of x ** y.

    >>> from hypothesis import given
    >>> @given(positive_arrays())
    ... def check(x):
    ...     assert np.all(x >= 0.1)
    >>> check()
    """
    if min_value <= 0:
        raise ValueError(f"positive_arrays: min_value must be > 0, got {min_value}")
    return arrays(shape, min_value=min_value, max_value=max_value, **options)


@st.composite
def broadcastable_arrays(draw, num_arrays: int = 2, **options) -> tuple[np.ndarray, ...]:
    """`num_arrays` arrays whose shapes broadcast together; options as for `arrays`.

    >>> from hypothesis import given
    >>> @given(broadcastable_arrays(2))
    ... def check(pair):
    ...     x, y = pair
    ...     assert (x + y).shape == np.broadcast_shapes(x.shape, y.shape)
    >>> check()
    """
    return draw(array_tuples(draw(broadcastable_shapes(num_arrays)), **options))


@st.composite
def tensors(draw, shape: ShapeArg = None, *, requires_grad: bool = True,
            **options) -> Tensor:
    """A Tensor over `arrays(shape, **options)`, requiring grad unless told otherwise.

    >>> from hypothesis import given
    >>> @given(tensors((3,)))
    ... def check(x):
    ...     (x * x).sum().backward()
    ...     assert np.allclose(x.grad.numpy(), 2 * x.numpy())
    >>> check()
    """
    return Tensor(draw(arrays(shape, **options)), requires_grad=requires_grad)
