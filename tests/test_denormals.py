"""tg.set_flush_denormal: PyTorch's switch, checked on real arithmetic (each test restores
the default, so the rest of the suite keeps denormals)."""

import platform
import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import denormals

SUPPORTED = sys.platform.startswith("linux") and platform.machine() in ("x86_64", "aarch64")
TINY32, TINY64 = np.float32(1e-40), 1e-310  # denormal in float32 and in float64


@pytest.fixture
def flush():
    yield
    assert tg.set_flush_denormal(False) == SUPPORTED


@pytest.mark.skipif(not SUPPORTED, reason="flushing is set through glibc's fenv on Linux")
def test_flushing_turns_denormal_results_and_inputs_into_zero(flush):
    assert tg.set_flush_denormal(True) is True
    assert (tg.tensor([TINY64], dtype=tg.float64) * 1.0).item() == 0.0  # an input read
    assert (tg.tensor([1e-30]) * tg.tensor([1e-15])).item() == 0.0       # a result
    assert np.exp(np.float32(-90)) == 0.0  # what a saturated float32 sigmoid meets
    assert (tg.tensor([2e-38]) * 1).item() > 0  # normal numbers are untouched
    assert tg.set_flush_denormal(False) is True
    assert (tg.tensor([TINY64], dtype=tg.float64) * 1.0).item() == TINY64
    assert (tg.tensor([TINY32]) * 1).item() > 0


@pytest.mark.skipif(not SUPPORTED, reason="flushing is set through glibc's fenv on Linux")
def test_the_mode_belongs_to_the_calling_thread(flush):
    tg.set_flush_denormal(True)
    seen = []
    thread = threading.Thread(target=lambda: seen.append(TINY64 * 1.0))
    thread.start()
    thread.join()
    assert seen == [TINY64] and TINY64 * 1.0 == 0.0


def test_mode_must_be_a_bool():
    with pytest.raises(TypeError, match="set_flush_denormal: mode must be True or False"):
        tg.set_flush_denormal(1)


@pytest.mark.skipif(not SUPPORTED, reason="flushing is set through glibc's fenv on Linux")
def test_flushing_tells_the_mode_of_this_thread(flush):
    assert denormals.flushing() is False
    tg.set_flush_denormal(True)
    assert denormals.flushing() is True
    tg.set_flush_denormal(False)
    assert denormals.flushing() is False


@pytest.mark.skipif(not SUPPORTED, reason="flushing is set through glibc's fenv on Linux")
def test_the_models_runs_flush_unless_told_and_put_the_mode_back(monkeypatch, tmp_path):
    from models import mlp
    seen, real_run = [], mlp.run

    def watched_run(*args, **kwargs):
        seen.append(TINY64 * 1.0 == 0.0)  # what the run's own arithmetic does
        return real_run(*args, **kwargs)
    monkeypatch.setattr(mlp, "run", watched_run)
    options = ["--epochs", "1", "--no-progress", "--out", str(tmp_path)]
    mlp.main(options)
    assert TINY64 * 1.0 == TINY64  # back as before the run
    mlp.main([*options, "--keep-denormals"])
    assert seen == [True, False]

    def failing_run(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(mlp, "run", failing_run)
    with pytest.raises(KeyboardInterrupt):
        mlp.main(options)
    assert denormals.flushing() is False
