"""Grad mode is a setting of each thread, as in PyTorch: a thread evaluating under no_grad()
does not change what another thread records, and backward() in one thread changes nothing
another thread sees. Real threads, made deterministic with events and barriers (a barrier
makes the threads interleave step by step, where a bug would show)."""

import sys
import threading

import numpy as np
import pytest

import tinygrad_edu as tg

TIMEOUT = 30  # seconds; a deadlock fails the test instead of hanging it


@pytest.fixture(autouse=True)
def switch_threads_often():
    """Let the interpreter switch threads every microsecond instead of every 5 ms, so
    that the threads interleave inside forward and backward passes, where a shared grad
    mode would show."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


def run_threads(*targets):
    errors = []

    def guarded(target):
        def run():
            try:
                target()
            except BaseException as error:  # reported in the main thread
                errors.append(error)
        return run

    threads = [threading.Thread(target=guarded(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread did not finish"
    if errors:
        raise errors[0]


def test_no_grad_in_another_thread_does_not_stop_recording_here():
    inside, done = threading.Event(), threading.Event()

    def evaluator():
        with tg.no_grad():
            inside.set()
            done.wait(TIMEOUT)

    w = tg.tensor([2.0], requires_grad=True)
    h1 = w * w
    thread = threading.Thread(target=evaluator)
    thread.start()
    inside.wait(TIMEOUT)
    h2 = h1 * w                      # recorded, although the other thread is in no_grad()
    done.set()
    thread.join(TIMEOUT)
    (h2 * w).sum().backward()
    assert w.grad.item() == 32.0     # d(w^4)/dw at 2


def train(seed: int, steps: int, barrier: threading.Barrier | None = None) -> list:
    """A small sigmoid MLP trained by SGD; with a barrier, in lock step with other threads."""
    gen = np.random.default_rng(seed)
    X = tg.tensor(gen.normal(size=(16, 4)))
    y = tg.tensor(gen.integers(0, 3, size=16))
    model = tg.nn.Sequential(tg.nn.Linear(4, 8, dtype=np.float64), tg.nn.Sigmoid(),
                             tg.nn.Linear(8, 3, dtype=np.float64))
    for p, values in zip(model.parameters(), _weights(seed, model)):
        p.numpy()[...] = values
    opt = tg.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    for _ in range(steps):
        if barrier is not None:
            barrier.wait(TIMEOUT)
        opt.zero_grad()
        tg.nn.functional.cross_entropy(model(X), y).backward()
        with tg.no_grad():           # each thread enters and leaves no_grad() every step
            model(X)
        opt.step()
    return [p.numpy().copy() for p in model.parameters()]


def _weights(seed: int, model) -> list:
    gen = np.random.default_rng(seed + 100)
    return [gen.normal(size=p.shape) for p in model.parameters()]


def test_two_threads_training_two_models_match_the_single_threaded_runs():
    steps = 60
    expected = [train(seed, steps) for seed in (1, 2)]
    barrier = threading.Barrier(2)
    results = {}
    run_threads(*[lambda seed=seed: results.__setitem__(seed, train(seed, steps, barrier))
                  for seed in (1, 2)])
    for seed, want in zip((1, 2), expected):
        for got, w in zip(results[seed], want):
            np.testing.assert_array_equal(got, w)  # exactly, to the last bit


def test_two_threads_running_backward_at_once_on_separate_graphs():
    barrier = threading.Barrier(2)
    grads = {}

    def worker(k):
        def run():
            for i in range(200):
                x = tg.tensor([float(k + i)], requires_grad=True)
                y = (x * x * x).sum()
                barrier.wait(TIMEOUT)
                y.backward()
                grads.setdefault(k, []).append((x.grad.item(), 3.0 * (k + i) ** 2))
        return run

    run_threads(worker(1), worker(2))
    for k in (1, 2):
        assert len(grads[k]) == 200 and all(got == want for got, want in grads[k])


def test_overlapping_no_grad_blocks_leave_every_thread_as_it_was():
    # thread A enters, B enters, A leaves, B leaves: a crossed order that a process-wide
    # flag with a saved value gets wrong (grad mode left off everywhere)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a():
        with tg.no_grad():
            a_in.set()
            b_in.wait(TIMEOUT)
            seen["a inside"] = tg.is_grad_enabled()
        seen["a after"] = tg.is_grad_enabled()
        a_out.set()

    def b():
        a_in.wait(TIMEOUT)
        with tg.no_grad():
            b_in.set()
            a_out.wait(TIMEOUT)
            seen["b inside"] = tg.is_grad_enabled()
        seen["b after"] = tg.is_grad_enabled()

    run_threads(a, b)
    assert seen == {"a inside": False, "a after": True, "b inside": False, "b after": True}
    assert tg.is_grad_enabled()


def test_one_no_grad_decorator_shared_by_threads():
    barrier = threading.Barrier(3)
    seen = []

    @tg.no_grad()
    def evaluate(k):
        barrier.wait(TIMEOUT)        # all three inside at once
        seen.append((k, "inside", tg.is_grad_enabled()))
        barrier.wait(TIMEOUT)

    def worker(k, mode):
        def run():
            with tg.set_grad_enabled(mode):
                evaluate(k)
                seen.append((k, "after", tg.is_grad_enabled()))
        return run

    run_threads(worker(0, True), worker(1, False), worker(2, True))
    assert sorted(seen) == [(0, "after", True), (0, "inside", False), (1, "after", False),
                            (1, "inside", False), (2, "after", True), (2, "inside", False)]


def test_a_new_thread_starts_with_grad_mode_on():
    seen = []
    with tg.no_grad():
        run_threads(lambda: seen.append(tg.is_grad_enabled()))
    assert seen == [True]            # as in PyTorch: the mode is not inherited


def test_set_grad_enabled_as_a_function_a_block_and_a_decorator():
    assert tg.is_grad_enabled()
    tg.set_grad_enabled(False)
    assert not tg.is_grad_enabled()
    tg.set_grad_enabled(True)
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def off():
        return tg.is_grad_enabled()

    assert tg.is_grad_enabled() and off() is False and tg.is_grad_enabled()
