"""dtypes with PyTorch's names, the default dtype, and PyTorch's type promotion.

The dtypes are numpy's (`tg.float32 is np.float32`), under PyTorch's names as well:
`tg.float`, `tg.double`, `tg.half`, `tg.long`, `tg.int`, `tg.short`, `tg.bool`.

**Type promotion** decides the dtype of `x + y` when the two differ. numpy and PyTorch
disagree (numpy: int64 + float32 is float64; PyTorch: float32), and this package follows
PyTorch, because a model that silently runs in float64 is twice as slow and is not what
the user wrote. PyTorch's rule sorts dtypes into categories, bool < integer < floating,
and operands into three levels: tensors with dimensions, 0-d tensors, Python numbers.
Tensors with dimensions decide the dtype; a 0-d tensor or a number changes it only if it
is of a higher category, and then a 0-d tensor brings its own dtype and a number the
default of its kind (`get_default_dtype()` for a float, int64 for an int). Within one
category the wider dtype wins, as in numpy. So float32 * 0.5 stays float32, an int64
tensor times a float32 tensor is float32, and an int tensor times 0.5 is float32.
Integer true division gives the default float dtype (`x / y` on int64 is float32).

>>> import tinygrad_edu as tg
>>> tg.result_type(tg.tensor([1, 2]), 1.0)
dtype('float32')
"""

from __future__ import annotations

import functools

import numpy as np

float16 = half = np.float16
float32 = float_ = np.float32
float64 = double = np.float64
int8, uint8 = np.int8, np.uint8
int16 = short = np.int16
int32 = int_ = np.int32
int64 = long = np.int64
bool_ = np.bool_

_default = [np.dtype(np.float32)]  # a list, so that set_default_dtype changes it in place


def get_default_dtype() -> np.dtype:
    """The dtype of tensors made from Python floats (float32 unless set otherwise).

    >>> import tinygrad_edu as tg
    >>> tg.get_default_dtype()
    dtype('float32')
    """
    return _default[0]


def set_default_dtype(dtype) -> None:
    """Make `dtype` (float32 or float64, as PyTorch allows) the default float dtype.

    >>> import tinygrad_edu as tg
    >>> tg.set_default_dtype(tg.float64)
    >>> tg.tensor([1.5]).dtype
    dtype('float64')
    >>> tg.set_default_dtype(tg.float32)
    """
    dtype = as_dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes can be the "
                        f"default, got {dtype}")
    _default[0] = dtype


def as_dtype(dtype) -> np.dtype:
    """numpy's dtype for a numpy type, a name ("float64") or an alias such as `tg.long`."""
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: {dtype!r} is not a dtype") from None


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def category(dtype: np.dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point, 3 for complex."""
    return _CATEGORY.get(dtype.kind, 4)


@functools.cache
def promote_types(a: np.dtype, b: np.dtype) -> np.dtype:
    """The smallest dtype that holds both, by PyTorch's rule: the higher category's dtype,
    or within one category numpy's (and PyTorch's) promotion.

    >>> import tinygrad_edu as tg
    >>> tg.promote_types(tg.int64, tg.float32), tg.promote_types(tg.uint8, tg.int8)
    (dtype('float32'), dtype('int16'))
    """
    a, b = as_dtype(a), as_dtype(b)
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def number_dtype(number) -> np.dtype:
    """The dtype a Python number brings when its category wins."""
    if isinstance(number, bool):
        return np.dtype(bool)
    return np.dtype(np.int64) if isinstance(number, int) else get_default_dtype()


def promoted(dims: list, zero_dims: list, numbers: list) -> np.dtype:
    """PyTorch's result dtype for operands sorted into the three levels: the dtypes of
    tensors with dimensions, of 0-d tensors, and the Python numbers."""
    result = None
    for level in (dims, zero_dims, [number_dtype(n) for n in numbers]):
        if not level:
            continue
        dtype = functools.reduce(promote_types, level)
        if result is None or category(dtype) > category(result):
            result = dtype
    return result


def true_division_dtype(dtype: np.dtype) -> np.dtype:
    """`x / y` of integers (or bools) is a float of the default dtype, as in PyTorch."""
    return dtype if category(dtype) >= 2 else get_default_dtype()
