"""tg.save / tg.load: safetensors files, dtypes kept, atomic writes, clear errors."""

import json
import os
import pickle
import stat
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy

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
    targets = {"serialise": (serialization, "_serialise"), "fsync": (os, "fsync"),
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


def test_our_files_load_in_the_safetensors_library_with_aligned_tensors(tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save({**state(), "big_endian": np.arange(3.0).astype(">f8")}, path)
    loaded = safetensors.numpy.load_file(path)  # the reader PyTorch's load_file uses
    for name, expected in arrays(state()).items():
        assert loaded[name].dtype == expected.dtype and np.array_equal(loaded[name], expected)
    assert loaded["big_endian"].tolist() == [0.0, 1.0, 2.0]
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    assert header_len % 8 == 0
    for info in json.loads(raw[8:8 + header_len]).values():
        itemsize = np.dtype(serialization.DTYPES[info["dtype"]]).itemsize
        assert info["data_offsets"][0] % itemsize == 0, info


@pytest.mark.parametrize("bad, message", [
    ({"w": np.array([1 + 2j])}, "'w' has dtype complex128"),
    pytest.param({"w": np.array([1.0], dtype=np.longdouble)}, "'w' has dtype float128",
                 marks=pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8,
                                          reason="long double is float64 here")),
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


# -- issue 16: what a careful user and a hostile file found ----------------------------------


def test_save_refuses_the_reserved_metadata_name(tmp_path):
    path = tmp_path / "model.safetensors"
    tg.save({"w": np.zeros(1)}, path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="save: the name '__metadata__' is reserved"):
        tg.save({"__metadata__": np.zeros(1)}, path)
    check_untouched(tmp_path, path, before)
    assert tg.load(path)["w"].shape == (1,)


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o444])
def test_save_keeps_the_permission_bits_of_the_file_it_replaces(tmp_path, mode):
    path = tmp_path / "model.safetensors"
    tg.save({"w": np.zeros(1)}, path)
    os.chmod(path, mode)
    tg.save({"w": np.ones(2)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
    assert tg.load(path)["w"].shape == (2,)


def test_save_writes_through_a_symlink_to_its_target(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "epoch-3.safetensors"
    tg.save({"w": np.zeros(1)}, target)
    link = tmp_path / "latest.safetensors"
    link.symlink_to(target)
    tg.save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert tg.load(target)["w"].shape == (2,)
    assert sorted(os.listdir(tmp_path / "runs")) == ["epoch-3.safetensors"]


def test_save_fsyncs_the_file_then_its_folder(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append("folder" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    tg.save({"w": np.zeros(1)}, tmp_path / "w.safetensors")
    assert synced == ["file", "folder"]


def test_save_removes_temporary_files_a_killed_save_left(tmp_path):
    path = tmp_path / "w.safetensors"
    stale = [tmp_path / ".w.safetensors.0123456789ab.tmp",
             tmp_path / ".w.safetensors.ffffffffffff.tmp"]
    fresh = tmp_path / ".w.safetensors.aaaaaaaaaaaa.tmp"  # a save that began after this one
    others = [tmp_path / ".w.safetensors.backup.tmp",
              tmp_path / ".v.safetensors.0123456789ab.tmp",
              tmp_path / "w.safetensors.0123456789ab.tmp"]
    for p in stale + [fresh] + others:
        p.write_bytes(b"\0" * 100)
    an_hour_ago, in_a_minute = time.time() - 3600, time.time() + 60
    for p in stale + others:
        os.utime(p, (an_hour_ago, an_hour_ago))
    os.utime(fresh, (in_a_minute, in_a_minute))
    tg.save({"w": np.zeros(1)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(p.name for p in [path, fresh] + others)


def test_a_killed_save_leaves_the_old_file_and_the_next_save_cleans_up(tmp_path):
    path = tmp_path / "w.safetensors"
    tg.save({"w": np.zeros(1)}, path)
    before = path.read_bytes()
    child = os.fork()
    if child == 0:  # the child dies in the middle of the write, as under kill -9
        os.fsync = lambda fd: os._exit(9)
        tg.save({"w": np.ones(1000)}, path)
        os._exit(0)
    os.waitpid(child, 0)
    assert path.read_bytes() == before and len(os.listdir(tmp_path)) == 2
    time.sleep(0.01)  # the next save starts later than the killed one's last write
    tg.save({"w": np.ones(3)}, path)
    assert os.listdir(tmp_path) == ["w.safetensors"]


def _raised(function, *args) -> BaseException | None:
    try:
        function(*args)
    except BaseException as error:  # noqa: BLE001 (the test inspects what was raised)
        return error
    return None


def test_load_refuses_a_fifo_without_blocking(tmp_path):
    # in a child process: a load blocked inside the library's Rust code holds the GIL,
    # so only a timeout from outside can end it
    fifo = tmp_path / "model.safetensors"
    os.mkfifo(fifo)
    root = Path(__file__).resolve().parent.parent
    code = f"import tinygrad_edu as tg\ntry:\n    tg.load({str(fifo)!r})\n" \
           f"except ValueError as e:\n    print(e)"
    try:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=60, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    except subprocess.TimeoutExpired:
        pytest.fail("tg.load blocked on a FIFO")
    assert run.stdout.strip() == (f"load: {fifo} is not a regular file (it is a FIFO); "
                                  f"give the path of a file"), run.stderr


def test_load_of_a_folder_or_a_device_names_the_path(tmp_path):
    with pytest.raises(IsADirectoryError, match=f"load: {tmp_path} is a folder, not a file"):
        tg.load(tmp_path)
    with pytest.raises(ValueError, match="load: /dev/null is not a regular file .*character"):
        tg.load("/dev/null")
    with pytest.raises(FileNotFoundError, match=f"load: {tmp_path / 'absent'} does not exist"):
        tg.load(tmp_path / "absent")


def safetensors_bytes(header: dict, data: bytes) -> bytes:
    """A file written by hand: the format is a u64 size, a JSON header, then the data."""
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text)) + text + data


def test_bfloat16_loads_as_float32_exactly(tmp_path):
    values = np.array([1.0, -2.5, 3.140625, 2.0 ** 100, -0.0, np.inf], dtype=np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2")  # these are exact in bfloat16
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(safetensors_bytes(
        {"__metadata__": {"format": "pt"},
         "w": {"dtype": "BF16", "shape": [2, 3], "data_offsets": [0, 12]}}, bf16.tobytes()))
    loaded = tg.load(path)["w"]
    assert loaded.dtype == np.float32 and loaded.shape == (2, 3)
    assert np.array_equal(loaded.numpy().reshape(-1), values)


@pytest.mark.parametrize("dtype", ["F8_E4M3", "F8_E5M2", "C64"])
def test_a_dtype_numpy_lacks_is_named_with_the_file(tmp_path, dtype):
    path = tmp_path / "fp8.safetensors"
    path.write_bytes(safetensors_bytes({"w": {"dtype": dtype, "shape": [2],
                                              "data_offsets": [0, 2]}}, b"\0\0"))
    with pytest.raises(TypeError, match=f"load: {path}: tensor 'w' has .*'{dtype}'"):
        tg.load(path)


@pytest.mark.parametrize("header, data, problem", [
    ({"w": {"dtype": "F32", "shape": [10 ** 12], "data_offsets": [0, 4 * 10 ** 12]}}, b"",
     "needs|describes"),
    ({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4, "describes 8"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8, "starts at byte 4"),
    ({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "non-negative"),
    ({"w": {"dtype": "F32", "shape": [1]}}, b"\0" * 4, "not {dtype, shape, data_offsets}"),
    ({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
      "v": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "starts at byte 0"),
    ([1, 2], b"", "not a JSON object"),
])
def test_a_lying_header_is_refused_before_any_data_is_read(tmp_path, header, data, problem):
    path = tmp_path / "liar.safetensors"
    path.write_bytes(safetensors_bytes(header, data))
    with pytest.raises(ValueError, match=f"load: {path} is not a valid safetensors file.*"
                                         f"({problem})"):
        tg.load(path)


def test_a_memory_failure_while_loading_is_a_memory_error_naming_the_file(tmp_path, monkeypatch):
    path = tmp_path / "big.safetensors"
    tg.save({"w": np.zeros(5)}, path)

    def no_memory(*args, **kwargs):
        raise MemoryError()

    monkeypatch.setattr(np, "empty", no_memory)
    error = _raised(tg.load, path)
    monkeypatch.undo()
    assert isinstance(error, MemoryError) and str(error) == (
        f"load: not enough memory for tensor 'w' of {path} (shape [5], F64)")


def test_a_pytorch_checkpoint_is_recognised_and_the_error_says_how_to_convert(tmp_path):
    marker = tmp_path / "code-ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    zipped = tmp_path / "model.pt"  # torch.save's format since PyTorch 1.6
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("model/data.pkl", pickle.dumps(Payload(), protocol=2))
        archive.writestr("model/data/0", b"\0" * 16)
    legacy = tmp_path / "model.pth"  # the older format: pickles one after another
    legacy.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(Payload()))
    for path, what in [(zipped, "a PyTorch checkpoint"), (legacy, "a Python pickle")]:
        with pytest.raises(ValueError, match=f"load: {path} is not a valid safetensors file: "
                                             f"it is {what}.*never unpickles.*save_file"):
            tg.load(path)
    assert not marker.exists()
