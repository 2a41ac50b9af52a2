"""A training loop's memory stays flat: nothing of a step's graph outlives the step.

After `backward()` the graph's saved tensors are freed, and the next step's loss replaces
the last one, so the arrays allocated by numpy (which tracemalloc sees) must not grow
from one epoch to the next.
"""

import gc
import tracemalloc

import numpy as np

import tinygrad_edu as tg

F = tg.nn.functional


def _epoch(model, optimizer, X, Y, history, batch_size=10):
    """One epoch; every loss tensor is kept in `history`, as careless loops do: after
    backward() each holds its number and op, not its graph."""
    for start in range(0, len(X), batch_size):
        x, y = tg.Tensor(X[start:start + batch_size]), tg.Tensor(Y[start:start + batch_size])
        optimizer.zero_grad()
        loss = F.binary_cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        history.append(loss)


def test_peak_memory_is_flat_over_epochs():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 64)).astype(np.float32)
    Y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 200)]
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(64, 100), tg.nn.Sigmoid(),
                             tg.nn.Linear(100, 10), tg.nn.Sigmoid())
    optimizer = tg.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    history = []
    _epoch(model, optimizer, X, Y, history)  # momentum buffers exist after one epoch
    gc.collect()
    tracemalloc.start()
    try:
        peaks, currents = [], []
        for _ in range(4):
            tracemalloc.reset_peak()
            _epoch(model, optimizer, X, Y, history)
            current, peak = tracemalloc.get_traced_memory()
            peaks.append(peak)
            currents.append(current)
    finally:
        tracemalloc.stop()
    assert all(loss.node.inputs is None for loss in history), "a graph was not freed"
    # one step's graph holds about 50 KB of arrays; keeping the graphs of an epoch's twenty
    # steps would add a megabyte per epoch, so a 64 KB allowance separates flat from
    # growing (the history itself grows by twenty small tensors per epoch)
    assert max(currents) - min(currents) < 64 * 1024, currents
    assert max(peaks) - min(peaks) < 64 * 1024, peaks


def test_holding_the_loss_does_not_hold_the_graph():
    x = tg.randn(100, 100, requires_grad=True)
    hidden = (x @ x).sigmoid()
    loss = hidden.sum()
    del hidden
    loss.backward()
    assert loss.node.inputs is None  # the sigmoid's output array is no longer reachable
