"""Devices, PyTorch's way, in a library that has one: numpy on the CPU.

PyTorch programs name their device (`x.to(device)`, `device=` on creation functions,
`torch.cuda.is_available()`), and nearly half of real programs do. Here every tensor lives
on the CPU, so "cpu" is accepted everywhere, `tg.cuda.is_available()` is False (so the
usual `"cuda" if torch.cuda.is_available() else "cpu"` picks the CPU), and asking for a
GPU raises an error that says why, instead of computing somewhere the user did not ask for.

>>> import tinygrad_edu as tg
>>> device = tg.device("cuda" if tg.cuda.is_available() else "cpu")
>>> device, tg.ones(2, device=device).device
(device(type='cpu'), device(type='cpu'))
"""

from __future__ import annotations

from types import SimpleNamespace


class device:
    """A device name, as `torch.device`: here always the CPU ("cpu" or "cpu:0").

    >>> import tinygrad_edu as tg
    >>> tg.device("cpu") == "cpu", str(tg.device("cpu", 0))
    (True, 'cpu:0')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        name, _, number = str(type).partition(":")
        if name != "cpu":
            raise unavailable(str(type))
        self.type = "cpu"
        self.index = int(number) if number else index

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type,
                                                                          other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"


def unavailable(name: str) -> RuntimeError:
    """The error for a device other than the CPU."""
    return RuntimeError(
        f"device {name!r} is not available: tinygrad_edu computes with numpy on the CPU, "
        f"so every tensor lives on device 'cpu' (tg.cuda.is_available() is False). Use "
        f"'cpu', or write `device = 'cuda' if tg.cuda.is_available() else 'cpu'`")


CPU = device("cpu")


_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta", "xla", "npu")


def is_device_name(value) -> bool:
    """Whether `value` names a device ("cpu", "cuda:0", a `device`), not a dtype."""
    return isinstance(value, device) or isinstance(value, str) and \
        value.partition(":")[0] in _DEVICE_TYPES


def check_device(name) -> None:
    """Accept None or a CPU device (for `device=` arguments); raise for anything else."""
    if name is not None and not isinstance(name, device):
        device(name)


def set_default_device(name) -> None:
    """Only the CPU can be the default device (kept for PyTorch programs that set it)."""
    check_device(name)


def get_default_device() -> device:
    return CPU


def _false() -> bool:
    return False


def _zero() -> int:
    return 0


# `tg.cuda`, `tg.backends.mps`, `tg.accelerator`: PyTorch's questions, answered for a CPU
cuda = SimpleNamespace(is_available=_false, device_count=_zero,
                       manual_seed=lambda seed: None, manual_seed_all=lambda seed: None)
backends = SimpleNamespace(mps=SimpleNamespace(is_available=_false, is_built=_false),
                           cudnn=SimpleNamespace(deterministic=False, benchmark=False,
                                                 is_available=_false))
accelerator = SimpleNamespace(is_available=_false, current_accelerator=lambda: None)
