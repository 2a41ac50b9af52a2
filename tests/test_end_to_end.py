"""End to end: a small CNN learns the bundled 8x8 digits, and its weights survive a trip
through a safetensors file."""

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn, optim


def make_cnn() -> nn.Sequential:
    # (N, 1, 8, 8) -> conv 3x3 pad 1 -> (N, 8, 8, 8) -> pool 2 -> (N, 8, 4, 4) -> 10 scores
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(8 * 4 * 4, 10))


def accuracy(model: nn.Module, X: np.ndarray, y: np.ndarray) -> float:
    with tg.no_grad():
        return float((model(tg.Tensor(X)).numpy().argmax(1) == y).mean())


def test_cnn_learns_digits_and_round_trips_through_a_file(tmp_path):
    digits = tg.data.load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]   # (N, 1, 8, 8) in [0, 1]
    X_train, X_test, y_train, y_test = tg.data.train_test_split(images, digits.target,
                                                                test_size=0.25, seed=0)
    tg.manual_seed(0)
    model = make_cnn()
    opt = optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(4):
        for xb, yb in tg.data.batches(X_train, y_train, batch_size=32, seed=epoch):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(tg.Tensor(xb)), yb)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) / 4
    assert all(p.dtype == np.float32 for p in model.parameters())
    model.eval()
    assert accuracy(model, X_test, y_test) >= 0.85          # chance is 0.10

    path = tmp_path / "cnn.safetensors"
    tg.save(model.state_dict(), path)
    fresh = make_cnn()
    assert accuracy(fresh, X_test, y_test) < 0.5
    fresh.load_state_dict(tg.load(path))
    with tg.no_grad():
        np.testing.assert_array_equal(fresh(tg.Tensor(X_test)).numpy(),
                                      model(tg.Tensor(X_test)).numpy())
