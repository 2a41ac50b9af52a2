"""Collation: how a list of samples becomes one batch (PyTorch's `default_collate`).

The rule follows the structure of the first sample, recursively:

| a sample that is         | becomes in the batch                                   |
|--------------------------|--------------------------------------------------------|
| a Tensor                 | the tensors stacked along a new first dimension        |
| a numpy array or scalar  | a Tensor of them stacked (the array's dtype kept)      |
| a Python float / int     | a float64 / int64 Tensor (bool: a bool Tensor)         |
| a str or bytes           | the batch as it is                                     |
| a dict                   | a dict of each key's values collated                   |
| a namedtuple             | the same namedtuple of each field collated             |
| a tuple or list          | a list of each position collated (PyTorch's rule: a    |
|                          | tuple sample gives a list, so `x, y = batch` works)    |

>>> import numpy as np
>>> from tinygrad_edu.utils.data import default_collate
>>> default_collate([0, 1, 2, 3]).tolist()
[0, 1, 2, 3]
>>> numbers, letters = default_collate([(0, 'a'), (1, 'b')])
>>> numbers.tolist(), letters
([0, 1], ('a', 'b'))
>>> {k: v.tolist() for k, v in default_collate([{'A': 0, 'B': 1}, {'A': 100, 'B': 100}]).items()}
{'A': [0, 100], 'B': [1, 100]}
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ...tensor import Tensor, stack

_UNSUPPORTED = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts "
                "or lists; found {}")


def default_collate(batch: Sequence):
    """Stack a list of samples into a batch, by the rule in this module's table.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.utils.data import default_collate
    >>> x, y = default_collate([(tg.zeros(3), 0), (tg.ones(3), 1)])
    >>> x.shape, y.tolist()
    ((2, 3), [0, 1])
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, (np.ndarray, np.generic)):
        if elem.dtype.kind in "SaUO":     # strings and objects have no tensor form
            raise TypeError(_UNSUPPORTED.format(elem.dtype))
        return Tensor(np.stack(batch))
    if isinstance(elem, float):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        return _like(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):    # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of "
                               "equal size")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(_UNSUPPORTED.format(type(elem).__name__))


def _stack_tensors(batch: list) -> Tensor:
    """One tensor from many: tg.stack when a gradient must flow back to the samples,
    else one numpy stack (no graph to record, and one copy instead of one per sample)."""
    if any(t.requires_grad for t in batch):
        return stack(batch)
    shapes = {t.shape for t in batch}
    if len(shapes) != 1:
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, "
                           f"got shapes {sorted(shapes)}")
    return Tensor(np.stack([t.numpy() for t in batch]))


def _like(example: Mapping, values: dict) -> Mapping:
    """`values` in the mapping type of `example` when that type can be built from a dict."""
    try:
        return type(example)(values)
    except TypeError:
        return values


def default_convert(sample):
    """A sample as tensors without batching (what `batch_size=None` uses): numpy arrays
    become Tensors, containers are converted inside, everything else stays as it is.

    >>> import numpy as np
    >>> from tinygrad_edu.utils.data import default_convert
    >>> default_convert((np.zeros(2), 'label'))
    (tensor([0., 0.], dtype=float64), 'label')
    """
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "SaUO":
        return Tensor(sample)
    if isinstance(sample, Mapping):
        return _like(sample, {k: default_convert(v) for k, v in sample.items()})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(v) for v in sample)
    return sample
