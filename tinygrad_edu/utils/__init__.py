"""tg.utils: helpers beside the engine, as in `torch.utils` (so far: `data`)."""

from . import data

__all__ = ["data"]
