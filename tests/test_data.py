"""tg.data: bundled loaders, the IDX reader and MNIST folders, synthetic sets, splitting,
one-hot targets and mini-batches."""

import gzip
import os
import struct
import zlib

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import datasets, idx

# -- bundled data sets -------------------------------------------------------------------


def test_iris_is_r_datasets_iris():
    iris = tg.data.load_iris()
    assert iris.data.shape == (150, 4) and iris.data.dtype == np.float64
    assert iris.target.shape == (150,) and iris.target.dtype == np.int64
    assert iris.feature_names == ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
    assert iris.target_names == ["setosa", "versicolor", "virginica"]
    assert iris.data[0].tolist() == [5.1, 3.5, 1.4, 0.2] and iris.target[0] == 0
    assert np.bincount(iris.target).tolist() == [50, 50, 50]
    # rows 35 and 38 (1-based) as in Fisher's paper and R, unlike the UCI copy
    assert iris.data[34].tolist() == [4.9, 3.1, 1.5, 0.2]
    assert iris.data[37].tolist() == [4.9, 3.6, 1.4, 0.1]
    # R: colMeans(iris[, 1:4])
    np.testing.assert_allclose(iris.data.mean(0), [5.843333, 3.057333, 3.758, 1.199333],
                               atol=1e-6)
    assert iris.images is None


def test_dataset_unpacks_into_data_and_target():
    iris = tg.data.load_iris()
    X, y = iris
    assert X is iris.data and y is iris.target
    assert repr(iris).startswith("Dataset(data=(150, 4) float64, target=(150,) int64")


def test_digits():
    digits = tg.data.load_digits()
    assert digits.data.shape == (1797, 64) and digits.data.dtype == np.float64
    assert digits.images.shape == (1797, 8, 8)
    assert np.shares_memory(digits.images, digits.data)
    assert digits.target.shape == (1797,) and digits.target.dtype == np.int64
    assert sorted(set(digits.target.tolist())) == list(range(10))
    assert digits.data.min() == 0 and digits.data.max() == 16
    assert np.array_equal(digits.data, np.round(digits.data))  # pixel counts
    assert digits.images[0, 0].tolist() == [0, 0, 5, 13, 9, 1, 0, 0] and digits.target[0] == 0
    assert len(digits.feature_names) == 64 and digits.target_names[3] == "3"


# -- IDX files ---------------------------------------------------------------------------

CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
         np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray, code: int | None = None) -> bytes:
    """An IDX file written from the format's description (independent of the reader)."""
    code = CODES[array.dtype.type] if code is None else code
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, content: bytes, gz: bool = False):
    path.write_bytes(gzip.compress(content) if gz else content)
    return path


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
@pytest.mark.parametrize("dtype", list(CODES), ids=lambda t: t.__name__)
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (0, 4)])
def test_idx_round_trip(tmp_path, gz, dtype, shape):
    array = (np.arange(np.prod(shape)).reshape(shape) * 37 - 50).astype(dtype)
    path = write(tmp_path / "a-idx", idx_bytes(array), gz)
    loaded = tg.data.load_idx(path)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
    assert loaded.shape == shape and np.array_equal(loaded, array)
    loaded += 1  # a normal, writable array


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_bad_header(tmp_path, gz):
    good = idx_bytes(np.zeros((2, 3), np.uint8))
    cases = {
        "magic": (b"\x01" + good[1:], "magic number"),
        "code": (idx_bytes(np.zeros(3, np.uint8), code=0x0A), "unknown dtype code 0x0A"),
        "empty": (b"", "magic number"),
        "sizes": (good[:6], "truncated inside its header"),
    }
    for name, (content, message) in cases.items():
        path = write(tmp_path / f"{name}-idx", content, gz)
        with pytest.raises(ValueError, match=message) as error:
            tg.data.load_idx(path)
        assert str(path) in str(error.value)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_size_must_match_the_header(tmp_path, gz):
    good = idx_bytes(np.arange(24, dtype=np.int32).reshape(2, 3, 4))
    for problem, content in {"truncated": good[:-1], "too long": good + b"\x00"}.items():
        path = write(tmp_path / "bad-idx", content, gz)
        with pytest.raises(ValueError, match=f"{path} is {problem}: .* shape \\(2, 3, 4\\)"):
            tg.data.load_idx(path)


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_idx_absurd_header_fails_cleanly(tmp_path, gz):
    header = bytes([0, 0, 0x08, 3]) + struct.pack(">3I", *(2**32 - 1,) * 3)
    path = write(tmp_path / "huge-idx", header + b"\x00" * 10, gz)
    with pytest.raises(ValueError, match=str(path)):
        tg.data.load_idx(path)


def test_idx_damaged_gzip(tmp_path):
    packed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.int32)))
    for name, content in {"cut": packed[: len(packed) // 2],
                          "garbage": packed[:10] + b"\xff" * 40}.items():
        path = write(tmp_path / f"{name}-idx.gz", content)
        with pytest.raises(ValueError, match=f"{path} is not a valid gzip file"):
            tg.data.load_idx(path)


def test_idx_reads_in_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(idx, "CHUNK", 7)  # many partial reads into one buffer
    array = np.arange(100, dtype=np.float64).reshape(10, 10)
    for gz in (False, True):
        path = write(tmp_path / f"{gz}-idx", idx_bytes(array), gz)
        assert np.array_equal(tg.data.load_idx(path), array)


def gzip_of_zeros(header: bytes, n: int) -> bytes:
    """A .gz of `header` then n zero bytes, compressed piece by piece (never all in memory)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    parts = [packer.compress(header)]
    for start in range(0, n, 1 << 24):
        parts.append(packer.compress(bytes(min(1 << 24, n - start))))
    return b"".join(parts) + packer.flush()


def test_idx_decompression_stops_at_the_declared_size(tmp_path, monkeypatch):
    # a .gz holding 3 declared bytes then 256 MB of zeros: at most a chunk is inflated
    inflated = []
    real_readinto = gzip.GzipFile.readinto
    monkeypatch.setattr(gzip.GzipFile, "readinto",
                        lambda self, b: inflated.append(real_readinto(self, b)) or inflated[-1])
    path = write(tmp_path / "bomb-idx1-ubyte.gz",
                 gzip_of_zeros(bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9]), 1 << 28))
    with pytest.raises(ValueError, match=f"{path} is too long: more than the 3 bytes"):
        tg.data.load_idx(path)
    assert sum(inflated) <= idx.CHUNK


def test_idx_a_size_no_gzip_of_this_length_can_hold_is_refused_before_reading(tmp_path,
                                                                              monkeypatch):
    # the header claims 2 GB; DEFLATE expands at most 1032-fold, and the file is ~100 bytes
    header = bytes([0, 0, 0x08, 1]) + struct.pack(">I", 2 ** 31)
    path = write(tmp_path / "liar-idx1-ubyte.gz", header + bytes(1000), gz=True)
    monkeypatch.setattr(np, "empty", lambda *a, **k: pytest.fail("allocated"))
    with pytest.raises(ValueError, match=rf"{path} claims shape \(2147483648,\) of uint8 "
                                         f".*more than a gzip file of its size can expand to"):
        tg.data.load_idx(path)


def test_idx_refuses_folders_and_fifos_by_name(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"load_idx: {tmp_path} is a folder"):
        tg.data.load_idx(tmp_path)
    fifo = tmp_path / "labels-idx1-ubyte"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=f"load_idx: {fifo} is not a regular file .*FIFO"):
        tg.data.load_idx(fifo)


# -- MNIST folders -----------------------------------------------------------------------


def fake_mnist(folder, n_train=5, n_test=3, gz=True):
    folder.mkdir()
    rng = np.random.default_rng(0)
    parts = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n).astype(np.uint8)
        suffix = ".gz" if gz else ""
        write(folder / f"{prefix}-images-idx3-ubyte{suffix}", idx_bytes(images), gz)
        write(folder / f"{prefix}-labels-idx1-ubyte{suffix}", idx_bytes(labels), gz)
        parts[prefix] = images, labels
    return parts


@pytest.mark.parametrize("gz", [False, True], ids=["raw", "gz"])
def test_load_mnist_from_a_folder(tmp_path, gz):
    parts = fake_mnist(tmp_path / "fashion-mnist", gz=gz)
    for kind, prefix in (("train", "train"), ("test", "t10k")):
        ds = tg.data.load_mnist(tmp_path / "fashion-mnist", kind=kind)
        images, labels = parts[prefix]
        assert ds.images.dtype == np.uint8 and np.array_equal(ds.images, images)
        assert ds.target.dtype == np.int64 and np.array_equal(ds.target, labels)
        assert ds.data.shape == (len(images), 784) and np.shares_memory(ds.data, ds.images)
        assert ds.target_names[9] == "Ankle boot"


def test_load_mnist_names_digits_outside_fashion_folders(tmp_path):
    fake_mnist(tmp_path / "mnist")
    assert tg.data.load_mnist(tmp_path / "mnist").target_names == [str(d) for d in range(10)]


def test_load_mnist_errors(tmp_path, monkeypatch):
    fake_mnist(tmp_path / "m")
    with pytest.raises(ValueError, match="kind must be 'train' or 'test'"):
        tg.data.load_mnist(tmp_path / "m", kind="valid")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.data.load_mnist(tmp_path / "nowhere")
    (tmp_path / "m" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        tg.data.load_mnist(tmp_path / "m", kind="test")
    write(tmp_path / "m" / "train-labels-idx1-ubyte.gz", idx_bytes(np.zeros(4, np.uint8)), True)
    with pytest.raises(ValueError, match="should hold 5 uint8 labels"):
        tg.data.load_mnist(tmp_path / "m")
    monkeypatch.setattr(datasets, "DEBIAN_FASHION_MNIST", tmp_path / "absent")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        tg.data.load_mnist()


def test_load_mnist_refuses_labels_outside_0_to_9(tmp_path):
    fake_mnist(tmp_path / "m")
    labels = np.array([0, 9, 10, 3, 255], np.uint8)
    path = write(tmp_path / "m" / "train-labels-idx1-ubyte.gz", idx_bytes(labels), True)
    with pytest.raises(ValueError, match=f"load_mnist: {path} holds label 255 \\(at index 4\\); "
                                         f"MNIST's classes are 0..9"):
        tg.data.load_mnist(tmp_path / "m")


def test_load_mnist_finds_debian_fashion_mnist():
    if not datasets.DEBIAN_FASHION_MNIST.is_dir():
        pytest.skip(f"Debian's dataset-fashion-mnist is not installed "
                    f"({datasets.DEBIAN_FASHION_MNIST} is absent)")
    train = tg.data.load_mnist()
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    assert np.bincount(train.target).tolist() == [6000] * 10  # Fashion-MNIST is balanced
    test = tg.data.load_mnist(kind="test")
    assert test.images.shape == (10000, 28, 28)
    assert test.target_names == datasets.FASHION_MNIST_NAMES


# -- synthetic data ----------------------------------------------------------------------


def test_spirals_shapes_and_classes():
    X, y = tg.data.make_spirals(301, cycles=2, noise=0.1, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float64
    assert y.shape == (301,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [151, 150]


def test_spirals_arms_are_point_reflections_without_noise():
    X, y = tg.data.make_spirals(200, cycles=1.5, seed=1)
    arm, other = X[y == 0], -X[y == 1]
    order = lambda a: a[np.lexsort(a.T)]
    np.testing.assert_allclose(order(arm), order(other), atol=1e-12)
    # on the arm, radius (2w + 1)/3 grows with the angle travelled: 1/3 at the start
    radius = np.linalg.norm(arm, axis=1)
    assert np.isclose(radius.min(), 1 / 3) and radius.max() < (2 * 1.5 + 1) / 3


def test_spirals_noise_has_the_given_scale():
    clean, y0 = tg.data.make_spirals(4000, noise=0.0, seed=2)
    noisy, y1 = tg.data.make_spirals(4000, noise=0.1, seed=2)
    assert np.array_equal(y0, y1)
    offset = np.linalg.norm(noisy - clean, axis=1) / 0.1  # |N(0, 1)| per point
    assert 0.9 < np.sqrt(np.mean(offset ** 2)) < 1.1


@pytest.mark.parametrize("make", [lambda s: tg.data.make_spirals(50, noise=0.1, seed=s),
                                  lambda s: tg.data.make_wages(50, seed=s)],
                         ids=["spirals", "wages"])
def test_synthetic_seeds_reproduce(make):
    first, second, other = make(5), make(5), make(6)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not np.array_equal(first[0], other[0])
    tg.manual_seed(11)
    from_global = make(None)
    tg.manual_seed(11)
    assert all(np.array_equal(a, b) for a, b in zip(from_global, make(None), strict=True))


def test_wages_least_squares_finds_intercept_3_slope_1():
    x, y = tg.data.make_wages(2000, seed=0)
    assert x.shape == y.shape == (2000,) and x.dtype == y.dtype == np.float64
    assert x.min() >= -5 and x.max() < 5
    design = np.column_stack([np.ones_like(x), x])
    (intercept, slope), *_ = np.linalg.lstsq(design, y, rcond=None)
    assert abs(intercept - 3) < 0.1 and abs(slope - 1) < 0.05
    assert 0.9 < np.std(y - design @ [intercept, slope]) < 1.1
    assert tg.data.make_wages(seed=0)[0].shape == (100,)


def test_synthetic_errors():
    with pytest.raises(ValueError, match="make_spirals: n must be at least 2"):
        tg.data.make_spirals(1)
    with pytest.raises(ValueError, match="noise >= 0"):
        tg.data.make_spirals(10, noise=-1)
    with pytest.raises(ValueError, match="make_wages: n must be at least 1"):
        tg.data.make_wages(0)


# -- split, one-hot, batches -------------------------------------------------------------


def test_train_test_split_partitions_rows():
    rows = np.arange(150)
    X = np.column_stack([rows, rows * 10])
    X_train, X_test, r_train, r_test = tg.data.train_test_split(X, rows, seed=0)
    assert len(r_train) == 105 and len(r_test) == 45
    assert sorted(np.concatenate([r_train, r_test]).tolist()) == rows.tolist()
    assert np.array_equal(X_train[:, 0], r_train) and np.array_equal(X_test[:, 0], r_test)
    assert not np.array_equal(r_train, np.sort(r_train))  # shuffled
    again = tg.data.train_test_split(X, rows, seed=0)
    assert np.array_equal(again[3], r_test)


def test_train_test_split_options():
    rows = np.arange(10)
    train, test = tg.data.train_test_split(rows, test_size=3, shuffle=False)
    assert train.tolist() == list(range(7)) and test.tolist() == [7, 8, 9]
    train, test = tg.data.train_test_split(rows, test_size=0.25, seed=1)
    assert len(test) == 3  # rounded up, as in scikit-learn


def test_train_test_split_errors():
    with pytest.raises(ValueError, match=r"same number of rows, got \[3, 4\]"):
        tg.data.train_test_split(np.zeros(3), np.zeros(4))
    cases = [(0.0, r"in \(0, 1\)"), (1.0, r"in \(0, 1\)"), (0, "0 test and 10 training"),
             (10, "10 test and 0 training"), (0.99, "10 test and 0 training")]
    for size, message in cases:
        with pytest.raises(ValueError, match=message):
            tg.data.train_test_split(np.zeros(10), test_size=size)
    with pytest.raises(TypeError, match="test_size"):
        tg.data.train_test_split(np.zeros(10), test_size=True)
    with pytest.raises(ValueError, match="at least one array"):
        tg.data.train_test_split()


def test_one_hot():
    encoded = tg.data.one_hot(np.array([2, 0, 1, 2]))
    assert encoded.dtype == np.float64
    assert encoded.tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]
    assert tg.data.one_hot([1], num_classes=4).tolist() == [[0, 1, 0, 0]]
    assert tg.data.one_hot(np.array([], dtype=np.int64), num_classes=3).shape == (0, 3)


def test_one_hot_errors():
    with pytest.raises(ValueError, match="must not be negative"):
        tg.data.one_hot([0, -1])
    with pytest.raises(ValueError, match="label 3 is out of range for num_classes=3"):
        tg.data.one_hot([0, 3], num_classes=3)
    with pytest.raises(TypeError, match="labels must be integers"):
        tg.data.one_hot([0.0, 1.0])
    with pytest.raises(ValueError, match="cannot infer num_classes"):
        tg.data.one_hot(np.array([], dtype=np.int64))


def epoch_rows(batches) -> list[int]:
    return np.concatenate([yb for _, yb in batches]).tolist()


def test_batches_cover_every_row_once_and_keep_the_last_partial_batch():
    X, rows = np.arange(46).reshape(23, 2), np.arange(23)
    got = list(tg.data.batches(X, rows, batch_size=5, seed=0))
    assert [len(yb) for _, yb in got] == [5, 5, 5, 5, 3]
    assert sorted(epoch_rows(got)) == list(range(23))
    assert all(np.array_equal(xb[:, 0], 2 * yb) for xb, yb in got)  # rows stay paired
    unshuffled = tg.data.batches(X, rows, batch_size=5, shuffle=False)
    assert epoch_rows(unshuffled) == list(range(23))


def test_batches_shuffle_each_epoch_and_reproduce():
    X, rows = np.zeros((50, 1)), np.arange(50)
    tg.manual_seed(0)
    epochs = [epoch_rows(tg.data.batches(X, rows, batch_size=8)) for _ in range(3)]
    assert epochs[0] != epochs[1] != epochs[2]
    assert all(sorted(e) == list(range(50)) for e in epochs)
    tg.manual_seed(0)
    assert [epoch_rows(tg.data.batches(X, rows, batch_size=8)) for _ in range(3)] == epochs
    seeded = [epoch_rows(tg.data.batches(X, rows, 8, seed=4)) for _ in range(2)]
    assert seeded[0] == seeded[1] != epochs[0]


def test_batches_errors_at_the_call():
    with pytest.raises(ValueError, match="same number of rows"):
        tg.data.batches(np.zeros((4, 2)), np.zeros(5), batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        tg.data.batches(np.zeros((4, 2)), np.zeros(4), batch_size=0)
