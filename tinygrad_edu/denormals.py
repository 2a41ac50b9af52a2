"""`tg.set_flush_denormal(True)`: PyTorch's switch for the CPU's denormal numbers.

A float32 below 1.2e-38 (float64: 2.2e-308) is *denormal*: stored with fewer digits, and on
most x86 CPUs arithmetic on it takes a slow path in microcode, 100 times slower or worse. A
sigmoid network meets them when its units saturate: sigmoid(-90) is 8e-40 in float32, and
its gradients then hold denormals too. One matrix product of the article's Fashion-MNIST
step (the 100 x 10 by 10 x 784 weight gradient) took 13 us with normal numbers and 1,960 us
with denormal ones on the machine these docs were measured on.

Flushing makes the CPU treat denormal inputs as 0 and round denormal results to 0 (x86's
FTZ and DAZ bits, AArch64's FZ bit), which costs a relative error of at most 1.2e-38
(float32) on numbers that small, and removes the slow path. As in PyTorch, it is off by
default, it sets the floating-point mode of the calling thread only (BLAS worker threads
keep theirs: with several BLAS threads, set OPENBLAS_NUM_THREADS=1 for the products to be
flushed too), and numbers already stored keep their value until arithmetic reads them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import sys

# glibc's fenv_t, the part that holds the SSE control register on x86-64 (after the x87
# environment) or the FPCR on AArch64; fegetenv/fesetenv read and write it for this thread
_X86_64 = {"fields": [("x87", ctypes.c_ushort * 14), ("control", ctypes.c_uint)],
           "flush": (1 << 15) | (1 << 6)}  # MXCSR: flush to zero, denormals are zero
_AARCH64 = {"fields": [("control", ctypes.c_uint), ("status", ctypes.c_uint)],
            "flush": 1 << 24}  # FPCR: FZ
_LAYOUTS = {"x86_64": _X86_64, "AMD64": _X86_64, "aarch64": _AARCH64, "arm64": _AARCH64}


def _environment():
    """(libm, the fenv_t structure type, the flush bits), or None where unsupported."""
    layout = _LAYOUTS.get(platform.machine())
    name = ctypes.util.find_library("m")
    if layout is None or not sys.platform.startswith("linux") or name is None:
        return None
    environment = type("FEnv", (ctypes.Structure,), {"_fields_": layout["fields"]})
    return ctypes.CDLL(name), environment, layout["flush"]


def _current():
    """(libm, this thread's floating-point environment, the flush bits), or None where
    unsupported."""
    found = _environment()
    if found is None:
        return None
    libm, environment, flush = found
    env = environment()
    return (libm, env, flush) if libm.fegetenv(ctypes.byref(env)) == 0 else None


def flushing() -> bool:
    """Whether this thread flushes denormal numbers now (False where unsupported), so that
    a caller can put the mode back as it found it."""
    current = _current()
    return current is not None and current[1].control & current[2] == current[2]


def set_flush_denormal(mode: bool) -> bool:
    """Flush denormal numbers to zero in this thread's arithmetic (True) or keep them
    (False, the default). Returns True where this is supported (Linux on x86-64 and
    AArch64, as PyTorch's CPU support), False elsewhere, where nothing changes.

    >>> import numpy as np, tinygrad_edu as tg
    >>> tg.set_flush_denormal(True)
    True
    >>> float((tg.tensor([1e-40]) * 1)[0])          # float32's 1e-40 is denormal
    0.0
    >>> tg.set_flush_denormal(False)
    True
    >>> float((tg.tensor([1e-40]) * 1)[0]) > 0
    True
    """
    if not isinstance(mode, bool):
        raise TypeError(f"set_flush_denormal: mode must be True or False, got {mode!r}")
    current = _current()
    if current is None:
        return False
    libm, env, flush = current
    env.control = env.control | flush if mode else env.control & ~flush
    return libm.fesetenv(ctypes.byref(env)) == 0
