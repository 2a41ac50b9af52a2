"""PyTorch's "Learn the Basics" optimisation loop, as the tutorial writes it, with only the
import changed and a TensorDataset of fixed tensors standing in for FashionMNIST.

One line differs from the tutorial: `correct` counts `(pred.argmax(1) == y).sum().item()`
where the tutorial writes `(...).type(torch.float).sum().item()` (Tensor.type belongs to
the tensor-API work); the count is the same."""

import numpy as np

import tinygrad_edu as torch
from tinygrad_edu import nn
from tinygrad_edu.utils.data import DataLoader, TensorDataset


def fake_fashion_mnist(n, seed):
    """n 28x28 images whose class is visible in them (a bright row at 2 * label)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, n)
    images = rng.uniform(0, 0.3, (n, 1, 28, 28)).astype(np.float32)
    images[np.arange(n), 0, 2 * labels, :] = 1.0
    return TensorDataset(torch.tensor(images), torch.tensor(labels))


def test_learn_the_basics_optimisation_loop_runs_and_learns(capsys):
    training_data, test_data = fake_fashion_mnist(320, 0), fake_fashion_mnist(128, 1)
    torch.manual_seed(0)

    # --- from here on, the tutorial's code ---------------------------------------------
    train_dataloader = DataLoader(training_data, batch_size=64)
    test_dataloader = DataLoader(test_data, batch_size=64)

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 512),
                nn.ReLU(),
                nn.Linear(512, 512),
                nn.ReLU(),
                nn.Linear(512, 10),
            )

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork()

    learning_rate = 5e-1
    batch_size = 64
    epochs = 3

    def train_loop(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            if batch % 100 == 0:
                loss, current = loss.item(), batch * batch_size + len(X)
                print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test_loop(dataloader, model, loss_fn):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).sum().item()
        test_loss /= num_batches
        correct /= size
        print(f"Test Error: \n Accuracy: {(100*correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")

    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)

    for t in range(epochs):
        print(f"Epoch {t+1}\n-------------------------------")
        train_loop(train_dataloader, model, loss_fn, optimizer)
        test_loop(test_dataloader, model, loss_fn)
    print("Done!")
    # --- end of the tutorial's code ------------------------------------------------------

    printed = capsys.readouterr().out
    assert printed.count("Epoch") == 3 and "loss:" in printed and printed.endswith("Done!\n")
    accuracy = float(printed.split("Accuracy: ")[-1].split("%")[0])
    assert accuracy > 90
