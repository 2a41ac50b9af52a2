"""tg.save / tg.load: safetensors files, dtypes kept, atomic writes, clear errors."""

import doctest
import json
import os
import pickle
import struct

import numpy as np
import pytest
import safetensors.numpy
from safetensors import SafetensorError

import tinygrad_edu as tg
from tinygrad_edu import serialization


def state() -> dict:
    return {
        "0.weight": tg.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True),
        "0.bias": tg.tensor(np.array([0.5, -1.0, 2.0], dtype=np.float32)),
        "double": np.linspace(0, 1, 5),                        # a plain ndarray, float64
        "steps": np.array(7, dtype=np.int64),                  # 0-d
        "mask": np.array([True, False]),
        "pixels": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "half": np.array([1.5, 2.5], dtype=np.float16),
        "empty": np.zeros((0, 3), dtype=np.int32),
        "transposed": np.arange(6.0).reshape(2, 3).T,          # not contiguous
    }


def arrays(d: dict) -> dict:
    return {k: v.array if isinstance(v, tg.Tensor) else v for k, v in d.items()}


def test_round_trip_keeps_names_dtypes_and_values(tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save(state(), path)
    loaded = tg.load(path)
    assert set(loaded) == set(state())
    for name, expected in arrays(state()).items():
        got = loaded[name]
        assert isinstance(got, tg.Tensor) and not got.requires_grad
        assert got.dtype == expected.dtype and got.shape == expected.shape, name
        assert np.array_equal(got.array, expected), name


def test_the_file_is_plain_safetensors_with_pytorch_dtype_names(tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save(state(), str(path))  # str paths too
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])  # the format: u64 header size, JSON header
    header = json.loads(raw[8:8 + header_len])
    assert header["0.weight"]["dtype"] == "F32" and header["0.weight"]["shape"] == [3, 4]
    assert header["double"]["dtype"] == "F64" and header["steps"]["shape"] == []
    begin, end = header["transposed"]["data_offsets"]
    stored = np.frombuffer(raw[8 + header_len + begin:8 + header_len + end], "<f8")
    assert stored.tolist() == np.arange(6.0).reshape(2, 3).T.flatten().tolist()  # C order
    assert np.array_equal(safetensors.numpy.load_file(path)["0.bias"], [0.5, -1.0, 2.0])


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "w.safetensors"
    tg.save({"w": np.zeros(2)}, path)
    tg.save({"w": np.ones(3)}, path)
    assert tg.load(path)["w"].array.tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["w.safetensors"]


# -- a failed save leaves the previous file as it was, and no temporary file ------------


def check_untouched(folder, path, before: bytes):
    assert path.read_bytes() == before
    assert os.listdir(folder) == [path.name]


def failing(error):
    def fail(*args, **kwargs):
        raise error
    return fail


@pytest.mark.parametrize("where", ["serialise", "fsync", "replace"])
def test_a_failure_mid_write_keeps_the_previous_file(tmp_path, monkeypatch, where):
    path = tmp_path / "model.safetensors"
    tg.save({"w": np.arange(3.0)}, path)
    before = path.read_bytes()
    targets = {"serialise": (safetensors.numpy, "save"), "fsync": (os, "fsync"),
               "replace": (os, "replace")}
    monkeypatch.setattr(*targets[where], failing(OSError("disk full")))
    with pytest.raises(OSError, match="disk full"):
        tg.save({"w": np.arange(100.0)}, path)
    monkeypatch.undo()
    check_untouched(tmp_path, path, before)


def test_temporary_file_sits_beside_the_target(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace
    monkeypatch.setattr(os, "replace", lambda src, dst: seen.append(src) or real_replace(src, dst))
    tg.save({"w": np.zeros(1)}, tmp_path / "w.safetensors")
    assert len(seen) == 1 and os.path.dirname(seen[0]) == str(tmp_path)


def test_safetensors_errors_name_the_file(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    tg.save({"w": np.zeros(1)}, path)
    before = path.read_bytes()
    monkeypatch.setattr(safetensors.numpy, "save", failing(SafetensorError("bad dtype")))
    with pytest.raises(ValueError, match=f"save: cannot write {path}.*bad dtype"):
        tg.save({"w": np.zeros(1)}, path)
    check_untouched(tmp_path, path, before)


@pytest.mark.parametrize("bad, message", [
    ({"w": np.array([1 + 2j])}, "'w' has dtype complex128"),
    ({"w": np.array(["a"])}, "'w' has dtype <U1"),
    ({"w": [1.0, 2.0]}, "'w' is a list, expected a Tensor or an ndarray"),
    ({"w": 3.0}, "'w' is a float"),
    ({0: np.zeros(1)}, "names must be str, got 0"),
    ({("a", "b"): np.zeros(1)}, "names must be str"),
    ([("w", np.zeros(1))], "expected a state dict"),
])
def test_bad_state_dicts_are_refused_before_writing(tmp_path, bad, message):
    path = tmp_path / "model.safetensors"
    tg.save({"w": np.zeros(1)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=message):
        tg.save({"ok": np.zeros(1), **bad} if isinstance(bad, dict) else bad, path)
    check_untouched(tmp_path, path, before)


def test_save_into_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.save({"w": np.zeros(1)}, tmp_path / "nowhere" / "w.safetensors")
    assert os.listdir(tmp_path) == []


# -- loading damaged files ---------------------------------------------------------------


def test_load_of_truncated_or_corrupt_files_names_the_file(tmp_path):
    good = safetensors.numpy.save({"w": np.arange(10.0), "b": np.ones(3, np.float32)})
    damaged = {
        "cut-data": good[:-5],
        "cut-header": good[:20],
        "tiny": good[:4],
        "empty": b"",
        "garbage": b"\xff" * 64,
        "bad-json": good[:8] + b"{" * (len(good) - 8),
        "too-long": good + b"\x00" * 8,
    }
    for name, content in damaged.items():
        path = tmp_path / f"{name}.safetensors"
        path.write_bytes(content)
        with pytest.raises(ValueError, match=f"load: {path} is not a valid safetensors file"):
            tg.load(path)


def test_load_never_unpickles(tmp_path):
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        tg.load(path)
    assert not marker.exists()


def test_load_of_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "absent.safetensors")


def test_exported_as_tg_save_and_tg_load():
    assert tg.save is serialization.save and tg.load is serialization.load
    assert {"save", "load", "data"} <= set(tg.__all__)


def test_docstring_examples():
    result = doctest.testmod(serialization)
    assert result.attempted > 0 and result.failed == 0
