"""Real data sets: iris and digits (bundled), MNIST and Fashion-MNIST (from IDX files).

Every loader returns a `Dataset`: numpy arrays plus the names that say what they mean.
Provenance, licences and citations are in README.md beside this file.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .idx import load_idx

IRIS_FEATURES = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]  # R's names
DIGIT_NAMES = [str(d) for d in range(10)]
FASHION_MNIST_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                       "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
# where Debian's `dataset-fashion-mnist` package puts the four files
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
MNIST_PREFIXES = {"train": "train", "test": "t10k"}


@dataclass(frozen=True, eq=False)
class Dataset:
    """A data set: `data` (one row per sample), `target` (int64 class per sample), names.

    `images` is the same memory as `data` seen as (N, height, width) for image sets, and
    None otherwise. A Dataset unpacks into its two arrays: `X, y = tg.data.load_iris()`.

    >>> import tinygrad_edu as tg
    >>> iris = tg.data.load_iris()
    >>> iris.data.shape, iris.target.dtype, iris.images is None
    ((150, 4), dtype('int64'), True)
    >>> X, y = iris
    >>> iris.feature_names[0], iris.target_names[y[0]]
    ('Sepal.Length', 'setosa')
    """

    data: np.ndarray
    target: np.ndarray
    feature_names: list[str]
    target_names: list[str]
    images: np.ndarray | None = None

    def __iter__(self):
        return iter((self.data, self.target))

    def __repr__(self) -> str:
        # shapes and dtypes, not thousands of numbers
        images = "" if self.images is None else \
            f", images={self.images.shape} {self.images.dtype}"
        return (f"Dataset(data={self.data.shape} {self.data.dtype}, "
                f"target={self.target.shape} {self.target.dtype}{images}, "
                f"target_names={self.target_names})")


def load_iris() -> Dataset:
    """Fisher's iris, the 150 rows of R's `datasets::iris` (bundled).

    data (150, 4) float64 in cm, columns `feature_names` (R's names); target (150,) int64,
    0/1/2 = setosa/versicolor/virginica, 50 of each. Fisher (1936), public domain.

    >>> import tinygrad_edu as tg
    >>> iris = tg.data.load_iris()
    >>> iris.data[0].tolist(), iris.target_names[iris.target[0]]
    ([5.1, 3.5, 1.4, 0.2], 'setosa')
    """
    with _bundled("iris.csv").open("r") as f:
        # first line: rows, features, then the class names
        rows, features, *target_names = f.readline().strip().split(",")
        table = np.loadtxt(f, delimiter=",")
    if table.shape != (int(rows), int(features) + 1):
        raise ValueError(f"load_iris: the bundled iris.csv has shape {table.shape}, its header "
                         f"says {rows} rows of {features} features and a label")
    data = np.ascontiguousarray(table[:, :-1])
    return Dataset(data, table[:, -1].astype(np.int64), list(IRIS_FEATURES), target_names)


def load_digits() -> Dataset:
    """The 1,797 8x8 handwritten digits of UCI's "Optical Recognition of Handwritten Digits"
    (Alpaydin and Kaynak 1998, CC BY 4.0: cite it where you use it). Bundled.

    data (1797, 64) float64, pixel counts 0..16 row by row; images the same as
    (1797, 8, 8); target (1797,) int64, the digit 0..9.

    >>> import tinygrad_edu as tg
    >>> digits = tg.data.load_digits()
    >>> digits.data.shape, digits.images.shape, digits.target_names[digits.target[0]]
    ((1797, 64), (1797, 8, 8), '0')
    """
    with gzip.open(_bundled("digits.csv.gz").open("rb"), "rt") as f:
        table = np.loadtxt(f, delimiter=",")  # 64 pixels, then the label; no header
    data = np.ascontiguousarray(table[:, :-1])
    names = [f"pixel_{r}_{c}" for r in range(8) for c in range(8)]
    return Dataset(data, table[:, -1].astype(np.int64), names, list(DIGIT_NAMES),
                   images=data.reshape(-1, 8, 8))


def load_mnist(folder: str | os.PathLike | None = None, kind: str = "train") -> Dataset:
    """MNIST or Fashion-MNIST from the four standard IDX files (raw or .gz) in `folder`.

    `kind` "train" reads `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]`
    (60,000 images), "test" the `t10k-` files (10,000). With `folder=None` it reads
    Debian's Fashion-MNIST (`apt-get install dataset-fashion-mnist`) from
    /usr/share/datasets/fashion-mnist. Returns images (N, 28, 28) uint8 (pixels 0..255),
    data the same memory as (N, 784), target (N,) int64; target_names are Fashion-MNIST's
    classes when the folder's name contains "fashion", else the digits "0".."9".

    >>> import tinygrad_edu as tg
    >>> fashion = tg.data.load_mnist(kind="test")  # doctest: +SKIP
    >>> fashion.images.shape, fashion.target_names[fashion.target[0]]  # doctest: +SKIP
    ((10000, 28, 28), 'Ankle boot')
    """
    if kind not in MNIST_PREFIXES:
        raise ValueError(f"load_mnist: kind must be 'train' or 'test', got {kind!r}")
    folder = _mnist_folder(folder)
    prefix = MNIST_PREFIXES[kind]
    images_file = _find(folder, f"{prefix}-images-idx3-ubyte")
    labels_file = _find(folder, f"{prefix}-labels-idx1-ubyte")
    images, labels = load_idx(images_file), load_idx(labels_file)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(f"load_mnist: {images_file} should hold uint8 images (N, rows, cols), "
                         f"got {images.dtype} of shape {images.shape}")
    if labels.shape != images.shape[:1] or labels.dtype != np.uint8:
        raise ValueError(f"load_mnist: {labels_file} should hold {len(images)} uint8 labels "
                         f"(one per image in {images_file.name}), got {labels.dtype} of "
                         f"shape {labels.shape}")
    if labels.size and labels.max() > 9:
        raise ValueError(f"load_mnist: {labels_file} holds label {labels.max()} (at index "
                         f"{int(labels.argmax())}); MNIST's classes are 0..9")
    names = FASHION_MNIST_NAMES if "fashion" in folder.resolve().name.lower() else DIGIT_NAMES
    rows, cols = images.shape[1:]
    return Dataset(images.reshape(len(images), rows * cols), labels.astype(np.int64),
                   [f"pixel_{r}_{c}" for r in range(rows) for c in range(cols)],
                   list(names), images=images)


def _mnist_folder(folder: str | os.PathLike | None) -> Path:
    if folder is None:
        if not DEBIAN_FASHION_MNIST.is_dir():
            raise FileNotFoundError(
                f"load_mnist: no folder given and Fashion-MNIST is not installed at "
                f"{DEBIAN_FASHION_MNIST}; install it with `apt-get install "
                f"dataset-fashion-mnist` (Debian/Ubuntu), or pass the folder that holds the "
                f"four MNIST files")
        return DEBIAN_FASHION_MNIST
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"load_mnist: {folder} is a file; give the folder that holds "
                                 f"the four MNIST files (train-images-idx3-ubyte[.gz], ...)")
    if not folder.is_dir():
        raise FileNotFoundError(f"load_mnist: folder {folder} does not exist")
    return folder


def _find(folder: Path, name: str) -> Path:
    """`name` or `name.gz` in `folder`."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"load_mnist: neither {name} nor {name}.gz is in {folder}")


def _bundled(name: str):
    """A data file shipped inside this package (works from a wheel or a zip too)."""
    return resources.files(__package__).joinpath(name)
