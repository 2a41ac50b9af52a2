"""tg.data: data sets and the plumbing around them, as numpy arrays.

- bundled: `load_iris()` (R's iris), `load_digits()` (8x8 handwritten digits)
- from files: `load_idx(path)` (one IDX file), `load_mnist(folder, kind)` (MNIST or
  Fashion-MNIST; Debian's `dataset-fashion-mnist` is found without a folder)
- made up: `make_spirals(n, cycles, noise, seed)`, `make_wages(n, seed)`
- plumbing: `train_test_split`, `one_hot`, `batches`

Where the data comes from, its licences and what to cite: README.md in this folder.

>>> import tinygrad_edu as tg
>>> X, y = tg.data.load_iris()
>>> X_train, X_test, y_train, y_test = tg.data.train_test_split(X, y, seed=0)
>>> xb, yb = next(tg.data.batches(X_train, tg.data.one_hot(y_train), batch_size=10))
>>> xb.shape, yb.shape
((10, 4), (10, 3))
"""

from .batching import batches, one_hot, train_test_split
from .datasets import Dataset, load_digits, load_iris, load_mnist
from .idx import load_idx
from .synthetic import make_spirals, make_wages

__all__ = [
    "Dataset", "batches", "load_digits", "load_idx", "load_iris", "load_mnist",
    "make_spirals", "make_wages", "one_hot", "train_test_split",
]
