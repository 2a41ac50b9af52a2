"""PyTorch's official tutorials, run with only `import torch` changed to
`import tinygrad_edu as torch`: transcriptions of their code (tensors, autograd and the
optimisation loop of "Learn the Basics", the 60-minute blitz's tensors and autograd,
"Learning PyTorch with Examples": tensors, autograd, and the custom autograd Function
LegendrePolynomial3).

Where a tutorial's seed cannot give PyTorch's random numbers (numpy's generator is not
PyTorch's), the test checks what the tutorial says about them; where the program is
deterministic, it asserts the numbers PyTorch's tutorial prints. The optimisation loop
reads a TensorDataset of fixed tensors standing in for FashionMNIST.

A few lines call math that arrives with the second half of the tensor-API work
(`torch.sin`, `.pow`, `.mul`, `.matmul`, `.t()`, `torch.add`, `out=`); until then each is
written with the operator it stands for and marked `# tutorial: ...` with the original line.
"""

import math

import numpy as np
import pytest

import tinygrad_edu as torch  # the one line changed: `import torch`
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
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
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


def test_learn_the_basics_tensors(capsys):
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    x_ones = torch.ones_like(x_data)  # retains the properties of x_data
    print(f"Ones Tensor: \n {x_ones} \n")
    x_rand = torch.rand_like(x_data, dtype=torch.float)  # overrides the datatype of x_data
    print(f"Random Tensor: \n {x_rand} \n")
    shape = (2, 3,)
    rand_tensor = torch.rand(shape)
    ones_tensor = torch.ones(shape)
    zeros_tensor = torch.zeros(shape)
    print(f"Random Tensor: \n {rand_tensor} \n")
    print(f"Ones Tensor: \n {ones_tensor} \n")
    print(f"Zeros Tensor: \n {zeros_tensor}")
    tensor = torch.rand(3, 4)
    print(f"Shape of tensor: {tensor.shape}")
    print(f"Datatype of tensor: {tensor.dtype}")
    print(f"Device tensor is stored on: {tensor.device}")
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())
    tensor = torch.ones(4, 4)
    print(f"First row: {tensor[0]}")
    print(f"First column: {tensor[:, 0]}")
    print(f"Last column: {tensor[..., -1]}")
    tensor[:, 1] = 0
    print(tensor)
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    print(t1)
    y1 = tensor @ tensor.T
    y2 = tensor @ tensor.T  # tutorial: y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    y3.copy_(torch.matmul(tensor, tensor.T))  # tutorial: torch.matmul(tensor, tensor.T, out=y3)
    z1 = tensor * tensor
    z2 = tensor * tensor  # tutorial: z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    z3.copy_(tensor * tensor)  # tutorial: torch.mul(tensor, tensor, out=z3)
    agg = tensor.sum()
    agg_item = agg.item()
    print(agg_item, type(agg_item))
    print(f"{tensor} \n")
    tensor.add_(5)
    print(tensor)
    t = torch.ones(5)
    print(f"t: {t}")
    n = t.numpy()
    print(f"n: {n}")
    t.add_(1)
    print(f"t: {t}")
    print(f"n: {n}")
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    print(f"t: {t}")
    print(f"n: {n}")

    # what the tutorial prints
    assert x_np.tolist() == data and x_ones.tolist() == [[1, 1], [1, 1]]
    assert x_ones.dtype == torch.int64 and x_rand.dtype == torch.float32
    assert tensor.shape == (4, 4) and str(torch.rand(3, 4).device) == "cpu"
    expected = np.ones((4, 4))
    expected[:, 1] = 0
    for y in (y1, y2, y3):
        np.testing.assert_array_equal(y.numpy(), np.full((4, 4), 3.0))
    for z in (z1, z2, z3):
        np.testing.assert_array_equal(z.numpy(), expected)
    assert t1.shape == (4, 12) and agg_item == 12.0 and isinstance(agg_item, float)
    np.testing.assert_array_equal(tensor.numpy(), expected + 5)
    assert t.tolist() == [2.0] * 5 and n.tolist() == [2.0] * 5
    printed = capsys.readouterr().out
    assert "12.0 <class 'float'>" in printed and "Device tensor is stored on: cpu" in printed
    assert "n: [2. 2. 2. 2. 2.]" in printed


def test_blitz_tensors(capsys):
    x = torch.empty(5, 3)
    x = torch.rand(5, 3)
    x = torch.zeros(5, 3, dtype=torch.long)
    print(x)
    x = torch.tensor([5.5, 3])
    x = x.new_ones(5, 3, dtype=torch.double)  # new_* methods take in sizes
    print(x)
    x = torch.randn_like(x, dtype=torch.float)  # override dtype!
    print(x.size())
    y = torch.rand(5, 3)
    print(x + y)
    result = torch.empty(5, 3)
    result.copy_(x + y)  # tutorial: torch.add(x, y, out=result)
    y.add_(x)
    np.testing.assert_allclose(y.numpy(), result.numpy())  # (a check, not the tutorial's)
    print(x[:, 1])
    x = torch.randn(4, 4)
    y = x.view(16)
    z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
    print(x.size(), y.size(), z.size())
    x = torch.randn(1)
    print(x)
    print(x.item())
    a = torch.ones(5)
    b = a.numpy()
    a.add_(1)
    print(b)
    if torch.cuda.is_available():
        device = torch.device("cuda")  # a CUDA device object
        y = torch.ones_like(x, device=device)  # directly create a tensor on GPU
        x = x.to(device)
    assert x.size() == (1,) and z.size() == (2, 8) and y.size() == (16,) and b.tolist() == [2.0] * 5
    assert "[2. 2. 2. 2. 2.]" in capsys.readouterr().out


def test_learn_the_basics_autograd():
    x = torch.ones(5)  # input tensor
    y = torch.zeros(3)  # expected output
    w = torch.randn(5, 3, requires_grad=True)
    b = torch.randn(3, requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    print(f"Gradient function for z = {z.grad_fn}")
    print(f"Gradient function for loss = {loss.grad_fn}")
    loss.backward()
    print(w.grad)
    print(b.grad)
    # the gradients the tutorial's formula gives: d loss / dz = sigmoid(z) / 3
    dz = 1 / (1 + np.exp(-z.numpy())) / 3
    np.testing.assert_allclose(b.grad.numpy(), dz, rtol=1e-6)
    np.testing.assert_allclose(w.grad.numpy(), np.outer(np.ones(5), dz), rtol=1e-6)
    assert z.grad_fn.name() == "AddBackward0"

    z = torch.matmul(x, w) + b
    print(z.requires_grad)
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    print(z.requires_grad)
    assert not z.requires_grad
    z = torch.matmul(x, w) + b
    z_det = z.detach()
    print(z_det.requires_grad)
    assert not z_det.requires_grad

    inp = torch.eye(4, 5, requires_grad=True)
    out = ((inp + 1) ** 2).T  # tutorial: out = (inp+1).pow(2).t()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"First call\n{inp.grad}")
    first = inp.grad.tolist()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nSecond call\n{inp.grad}")
    second = inp.grad.tolist()
    inp.grad.zero_()
    out.backward(torch.ones_like(out), retain_graph=True)
    print(f"\nCall after zeroing gradients\n{inp.grad}")
    # the tutorial's printed values
    expected = [[4.0, 2.0, 2.0, 2.0, 2.0], [2.0, 4.0, 2.0, 2.0, 2.0],
                [2.0, 2.0, 4.0, 2.0, 2.0], [2.0, 2.0, 2.0, 4.0, 2.0]]
    assert first == expected and inp.grad.tolist() == expected
    assert second == (2 * np.array(expected)).tolist()


def test_blitz_autograd(capsys):
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a ** 3 - b ** 2
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    # check if collected gradients are correct
    print(9 * a ** 2 == a.grad)
    print(-2 * b == b.grad)
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    a = x + y
    print(f"Does `a` require gradients?: {a.requires_grad}")
    b = x + z
    print(f"Does `b` require gradients?: {b.requires_grad}")
    printed = capsys.readouterr().out
    assert printed.count("tensor([ True,  True])") == 2  # the tutorial's tensor([True, True])
    assert "Does `a` require gradients?: False" in printed
    assert "Does `b` require gradients?: True" in printed


def test_learning_pytorch_with_examples_tensors():
    dtype = torch.float
    device = torch.device("cpu")
    # device = torch.device("cuda:0") # Uncomment this to run on GPU
    torch.manual_seed(0)  # (not in the tutorial: a fixed start for the test)
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.tensor(np.sin(x.numpy()))  # tutorial: y = torch.sin(x)
    a = torch.randn((), device=device, dtype=dtype)
    b = torch.randn((), device=device, dtype=dtype)
    c = torch.randn((), device=device, dtype=dtype)
    d = torch.randn((), device=device, dtype=dtype)
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = ((y_pred - y) ** 2).sum().item()  # tutorial: (y_pred - y).pow(2).sum().item()
        if t % 100 == 99:
            print(t, loss)
        grad_y_pred = 2.0 * (y_pred - y)
        grad_a = grad_y_pred.sum()
        grad_b = (grad_y_pred * x).sum()
        grad_c = (grad_y_pred * x ** 2).sum()
        grad_d = (grad_y_pred * x ** 3).sum()
        a -= learning_rate * grad_a
        b -= learning_rate * grad_b
        c -= learning_rate * grad_c
        d -= learning_rate * grad_d
    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    assert a.dtype == torch.float32 and loss < 50  # the fit the tutorial shows: sin(x) ~
    assert 0.7 < b.item() < 0.9 and -0.11 < d.item() < -0.07  # 0.85 x - 0.09 x^3


def test_learning_pytorch_with_examples_autograd():
    dtype = torch.float
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.set_default_device(device)
    torch.manual_seed(0)  # (not in the tutorial: a fixed start for the test)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
    y = torch.tensor(np.sin(x.numpy()))  # tutorial: y = torch.sin(x)
    a = torch.randn((), dtype=dtype, requires_grad=True)
    b = torch.randn((), dtype=dtype, requires_grad=True)
    c = torch.randn((), dtype=dtype, requires_grad=True)
    d = torch.randn((), dtype=dtype, requires_grad=True)
    learning_rate = 1e-6
    for t in range(2000):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = ((y_pred - y) ** 2).sum()  # tutorial: (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
    assert loss.item() < 50 and 0.7 < b.item() < 0.9 and -0.11 < d.item() < -0.07


class LegendrePolynomial3(torch.autograd.Function):
    """
    We can implement our own custom autograd Functions by subclassing
    torch.autograd.Function and implementing the forward and backward passes
    which operate on Tensors.
    """

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


def test_learning_pytorch_with_examples_custom_function(capsys):
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.tensor(np.sin(x.numpy()))  # tutorial: y = torch.sin(x)
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)
    learning_rate = 5e-6
    losses = {}
    for t in range(2000):
        P3 = LegendrePolynomial3.apply
        y_pred = a + b * P3(c + d * x)
        loss = ((y_pred - y) ** 2).sum()  # tutorial: (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())
            losses[t] = loss.item()
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')
    # no random numbers here, so PyTorch's printed output can be compared (float32 sums
    # in another order differ in the last digits)
    assert losses[99] == pytest.approx(209.95834350585938, rel=1e-5)
    assert losses[199] == pytest.approx(144.66018676757812, rel=1e-5)
    assert losses[1999] == pytest.approx(8.943639755249023, rel=1e-5)
    assert b.item() == pytest.approx(-2.208526849746704, rel=1e-5)
    assert d.item() == pytest.approx(0.2554861009120941, rel=1e-5)
    assert abs(a.item()) < 1e-6 and abs(c.item()) < 1e-6
    assert "Result: y = " in capsys.readouterr().out
