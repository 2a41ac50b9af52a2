"""Grad mode: whether operations record the graph that backprop will walk.

It is on by default, off inside `no_grad()` (evaluation, hand-written updates) and during a
backward walk that records nothing. As in PyTorch it is a setting of each thread: a thread
evaluating a model under `no_grad()` does not stop another thread from training.

This file imports nothing from the package: it is the first layer.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable


class _ThreadState(threading.local):
    """One copy per thread: `__init__` runs again in every thread that reads it."""

    def __init__(self):
        self.enabled = True
        self.saved: list[bool] = []  # the modes that enclosing `with` blocks will restore


thread_state = _ThreadState()  # read directly on the engine's hot path (no call)


def is_grad_enabled() -> bool:
    """True when this thread records operations on tensors that require grad."""
    return thread_state.enabled


class _Mode:
    """A block run with grad mode set to `mode`, restored on exit. The mode to restore is
    kept per thread, so one object (a decorator shared by threads) can be entered by
    several threads at once, each getting back its own mode."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)

    def __enter__(self) -> None:
        thread_state.saved.append(thread_state.enabled)
        thread_state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        thread_state.enabled = thread_state.saved.pop()

    def __call__(self, function: Callable) -> Callable:
        @functools.wraps(function)
        def in_mode(*args, **kwargs):
            with _Mode(self.mode):
                return function(*args, **kwargs)
        return in_mode


class set_grad_enabled(_Mode):
    """Set this thread's grad mode now, as PyTorch's `set_grad_enabled`: called alone it
    switches recording until switched again; `with tg.set_grad_enabled(training): ...`
    restores the previous mode after the block; as a decorator it changes nothing until
    the function runs."""

    def __init__(self, mode: bool):
        super().__init__(mode)
        self.previous = thread_state.enabled
        thread_state.enabled = self.mode

    def __enter__(self) -> None:
        return None  # already set by __init__

    def __exit__(self, *exc) -> None:
        thread_state.enabled = self.previous

    def __call__(self, function: Callable) -> Callable:
        thread_state.enabled = self.previous
        return super().__call__(function)


class no_grad(_Mode):
    """Record nothing inside: `with tg.no_grad(): ...` or `@tg.no_grad()`.

    >>> import tinygrad_edu as tg
    >>> w = tg.ones(2, requires_grad=True)
    >>> with tg.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    def __init__(self):
        super().__init__(False)


class enable_grad(_Mode):
    """Record again inside a `no_grad()` block (context manager or decorator)."""

    def __init__(self):
        super().__init__(True)
