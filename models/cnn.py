"""Step 5 of the article: convolution, the operation behind convolutional networks.

A convolution slides a small filter (here 3x3) over an image; at each position it
multiplies the window under the filter by the filter, entry by entry, and adds up the
products. With "valid" padding an H x W image and a k x k filter give an
(H - k + 1) x (W - k + 1) result. (Strictly this is cross-correlation, as in PyTorch:
the filter is not flipped. The article does the same.) Read this file top to bottom:

1. the article's convolution as two loops over the output positions (the reference),
   then the same with `tg.nn.functional.conv2d` (one matrix product);
2. its emboss and sharpen filters on a grayscale photograph (Grace Hopper, from
   matplotlib's sample data), and 64 random filters with entries in {-1, 0, 1} whose
   feature maps are drawn as one 8x8 grid;
3. a small trainable network, Conv2d -> ReLU -> MaxPool2d -> Flatten -> Linear, trained
   with the training loop of step 4 (`models.mlp.train_loop`); `run` and `main`.

    python -m models cnn                       # pictures, then the network on digits
    python -m models cnn --dataset fashion     # Fashion-MNIST, if it is installed
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import matplotlib.cbook
import matplotlib.image
import numpy as np
from matplotlib.figure import Figure

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from models import common, mlp

# R fills matrix(c(2, 0, 0, 0, -1, 0, 0, 0, -1), 3) by column; diagonal, so the same here
EMBOSS = np.array([[2, 0, 0], [0, -1, 0], [0, 0, -1]], dtype=np.float64)
SHARPEN = np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=np.float64)

# ---------------------------------------------------------------------------------------
# 1. Convolution: the article's loops, then conv2d
# ---------------------------------------------------------------------------------------


def convolve_naive(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """The article's convolution: for each output position, the sum of the window times
    the filter. Valid padding. Slow (a Python loop per pixel): it is the reference.

    >>> convolve_naive(np.arange(16.0).reshape(4, 4), np.ones((2, 2)))
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    kh, kw = kernel.shape
    out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1),
                   dtype=np.result_type(image, kernel))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i:i + kh, j:j + kw] * kernel)
    return out


def convolve(image: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """The same with conv2d: image (H, W) with one filter (k, k), or with a stack of
    filters (K, k, k) at once, giving K feature maps. Nothing is recorded for gradients.

    >>> convolve(np.arange(16.0).reshape(4, 4), np.ones((2, 2)))
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    """
    kernels = np.asarray(kernels, dtype=image.dtype)
    weight = kernels.reshape(-1, 1, *kernels.shape[-2:])  # (K filters, 1 channel, k, k)
    with tg.no_grad():
        maps = F.conv2d(tg.Tensor(image[None, None]), tg.Tensor(weight)).numpy()[0]
    return maps[0] if kernels.ndim == 2 else maps


# ---------------------------------------------------------------------------------------
# 2. Filters on a photograph, and a grid of feature maps
# ---------------------------------------------------------------------------------------


def load_photo(shrink: int = 2) -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, in grayscale (luma weights),
    values in [0, 1], each `shrink` x `shrink` block of pixels averaged into one."""
    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = matplotlib.image.imread(f).astype(np.float64) / 255
    gray = rgb @ np.array([0.299, 0.587, 0.114])
    h, w = (n // shrink * shrink for n in gray.shape)
    return gray[:h, :w].reshape(h // shrink, shrink, w // shrink, shrink).mean(axis=(1, 3))


def random_filters(count: int = 64, size: int = 3, seed: int = 0) -> np.ndarray:
    """`count` filters (count, size, size) with entries drawn from {-1, 0, 1}."""
    return np.random.default_rng(seed).integers(-1, 2, (count, size, size)).astype(float)


def square_grid(maps: np.ndarray, pad: int = 2) -> np.ndarray:
    """Tile maps (n, h, w) into one square picture, ceil(sqrt(n)) to a side, each map
    scaled to [0, 1] and framed by `pad` pixels of white (the article's
    square_stack_lst_of_matrices).

    >>> square_grid(np.zeros((4, 3, 3)), pad=1).shape
    (9, 9)
    """
    n, h, w = maps.shape
    side = math.ceil(math.sqrt(n))
    grid = np.ones((side * (h + pad) + pad, side * (w + pad) + pad))
    for k, m in enumerate(maps):
        spread = m.max() - m.min()
        row, col = divmod(k, side)
        top, left = pad + row * (h + pad), pad + col * (w + pad)
        grid[top:top + h, left:left + w] = (m - m.min()) / spread if spread else 0.5
    return grid


def draw_filters(photo: np.ndarray, out: str | Path) -> Path:
    """The photograph, embossed and sharpened, side by side, each filter's 3x3 kernel under
    its picture: filters.png in `out`."""
    figure = Figure(figsize=(6.6, 4.4), layout="constrained")
    top, bottom = figure.subplots(2, 3, height_ratios=[2.6, 1.0])
    for ax, (title, image) in zip(top, [("photograph", photo),
                                        ("emboss", convolve(photo, EMBOSS)),
                                        ("sharpen", convolve(photo, SHARPEN))], strict=True):
        # sharpen overshoots [0, 1] at edges: clip it, as an image viewer would
        ax.imshow(np.clip(image, 0, 1) if title == "sharpen" else image, cmap="gray")
        ax.set(title=title, xticks=[], yticks=[])
    bottom[0].axis("off")
    bottom[0].text(0.5, 0.5, "the 3x3 kernels\n(each output pixel:\nthe sum of kernel *\n"
                   "the pixels under it)", ha="center", va="center", fontsize=9)
    for ax, kernel in zip(bottom[1:], (EMBOSS, SHARPEN), strict=True):
        draw_kernel(kernel, ax)
    return common.save_figure(figure, out, "filters.png")


def draw_kernel(kernel: np.ndarray, ax) -> None:
    """A kernel as a grid of its numbers, red for positive and blue for negative."""
    limit = np.abs(kernel).max()
    ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    for (row, column), value in np.ndenumerate(kernel):
        colour = "white" if abs(value) > limit / 2 else "black"  # readable on dark cells
        ax.text(column, row, f"{value:g}", ha="center", va="center", fontsize=10,
                color=colour)
    ax.set(xticks=[], yticks=[])


def draw_feature_maps(photo: np.ndarray, filters: np.ndarray, out: str | Path) -> Path:
    """The photograph through each random filter, as one square grid: feature-maps.png."""
    figure, (ax,) = common.new_figure(1, size=(5.0, 5.5))
    ax.imshow(square_grid(convolve(photo, filters)), cmap="gray")
    ax.set(title=f"{len(filters)} random 3x3 filters with entries in {{-1, 0, 1}}",
           xticks=[], yticks=[])
    return common.save_figure(figure, out, "feature-maps.png")


# ---------------------------------------------------------------------------------------
# 3. A small trainable convolutional network
# ---------------------------------------------------------------------------------------

# kernel size, epochs, batch size, learning rate (SGD with momentum) per data set
SETTINGS = {"digits": (3, 20, 32, 0.05), "fashion": (5, 2, 32, 0.05)}


def small_cnn(image_size: int, kernel: int, filters: int = 8, classes: int = 10,
              seed: int = 0) -> tg.nn.Sequential:
    """Conv2d(1, filters, kernel) -> ReLU -> MaxPool2d(2) -> Flatten -> Linear(., classes),
    for square one-channel images, initialised as PyTorch does (seeded by `seed`).

    >>> small_cnn(8, 3)(tg.zeros(5, 1, 8, 8)).shape
    (5, 10)
    """
    tg.manual_seed(seed)
    pooled = (image_size - kernel + 1) // 2
    return tg.nn.Sequential(tg.nn.Conv2d(1, filters, kernel), tg.nn.ReLU(),
                            tg.nn.MaxPool2d(2), tg.nn.Flatten(),
                            tg.nn.Linear(filters * pooled * pooled, classes))


def load_images(dataset: str, seed: int = 0) -> list[np.ndarray]:
    """[X_train, X_test, y_train, y_test] with images X (N, 1, H, W) float32 in [0, 1]:
    digits (8x8, a 70/30 split) or Fashion-MNIST (28x28, its own split)."""
    if dataset == "digits":
        digits = tg.data.load_digits()
        images = (digits.images / 16).astype(np.float32)[:, None]
        return tg.data.train_test_split(images, digits.target, seed=seed)
    if dataset == "fashion":
        train, test = tg.data.load_mnist(kind="train"), tg.data.load_mnist(kind="test")
        X = [np.divide(d.images[:, None], 255, dtype=np.float32) for d in (train, test)]
        return [X[0], X[1], train.target, test.target]
    raise ValueError(f"load_images: dataset must be one of {sorted(SETTINGS)}, got {dataset!r}")


def predict(model: tg.nn.Module, X: np.ndarray, chunk: int = 1000) -> np.ndarray:
    """The most likely class of each image, `chunk` images at a time (the windows of a
    whole test set at once would take gigabytes), recording nothing."""
    with tg.no_grad():
        return np.concatenate([model(tg.Tensor(X[i:i + chunk])).numpy().argmax(axis=1)
                               for i in range(0, len(X), chunk)])


def evaluate(model: tg.nn.Module, X: np.ndarray, y: np.ndarray) -> mlp.Evaluation:
    """Accuracy and confusion matrix (rows: true class, columns: predicted)."""
    predicted = predict(model, X)
    return mlp.Evaluation(float(np.mean(predicted == y)),
                          common.confusion_matrix(y, predicted, int(y.max()) + 1))


def fit(model: tg.nn.Module, X: np.ndarray, y: np.ndarray, epochs: int, batch_size: int,
        lr: float, optimiser: str = "momentum", validation=None, seed: int | None = None,
        progress: bool = True, compile: bool = False) -> mlp.History:
    """Minimise the cross entropy of `model` on images X with labels y, with step 4's
    training loop: shuffled mini-batches, one optimiser step each (under `tg.compile`
    with `compile=True`: the same numbers, replayed as generated numpy code)."""
    step = mlp.make_optimiser(optimiser, model.parameters(), lr)

    def update(xb: np.ndarray, yb: np.ndarray) -> tg.Tensor:
        step.zero_grad()
        loss = F.cross_entropy(model(tg.Tensor(xb)), yb)
        loss.backward()
        step.step()
        return loss

    update = tg.compile(update) if compile else update
    validate = None if validation is None else lambda: evaluate(model, *validation).accuracy
    return mlp.train_loop(lambda xb, yb: update(xb, yb).item(), X, y, epochs, batch_size,
                          validate, seed, progress)


# ---------------------------------------------------------------------------------------
# 4. The step: run (for the tour) and main (python -m models cnn)
# ---------------------------------------------------------------------------------------


def compare_with_loops(photo: np.ndarray) -> list[common.Comparison]:
    """Emboss and sharpen the photograph by the article's loops and by conv2d: the
    largest difference, and how much faster the one matrix product is."""
    start = time.perf_counter()
    by_loops = [convolve_naive(photo, k) for k in (EMBOSS, SHARPEN)]
    middle = time.perf_counter()
    by_conv2d = [convolve(photo, k) for k in (EMBOSS, SHARPEN)]
    end = time.perf_counter()
    difference = max(float(np.abs(a - b).max()) for a, b in zip(by_loops, by_conv2d,
                                                                strict=True))
    where = f"emboss and sharpen, {photo.shape[0]}x{photo.shape[1]} photograph"
    return [common.Comparison("cnn conv2d vs the loops: max |difference|", None, difference,
                              where),
            common.Comparison("cnn conv2d speed-up over the loops", None,
                              f"{(middle - start) / (end - middle):.0f}x", where)]


def run(out: str | Path | None = None, seed: int = 0, dataset: str = "digits",
        epochs: int | None = None, batch_size: int | None = None, lr: float | None = None,
        optimiser: str = "momentum", progress: bool = False,
        compile: bool = False) -> dict:
    """The step: the filters on the photograph (pictures into `out`), then a small CNN
    trained on `dataset` ("digits" or "fashion"; unset options take SETTINGS).

    Returns "figures" (convolution checks and the test accuracy; the article trains no
    CNN, so it has no figures here), "pictures" (filters.png, feature-maps.png, and the
    loss per epoch), and "model", "history", "evaluation".
    """
    if dataset not in SETTINGS:
        raise ValueError(f"cnn: dataset must be one of {sorted(SETTINGS)}, got {dataset!r}")
    kernel, *defaults = SETTINGS[dataset]
    epochs, batch_size, lr = (value if value is not None else default for value, default
                              in zip((epochs, batch_size, lr), defaults, strict=True))
    photo = load_photo()
    figures = compare_with_loops(photo)
    X_train, X_test, y_train, y_test = load_images(dataset, seed)
    model = small_cnn(X_train.shape[-1], kernel, seed=seed)
    history = fit(model, X_train, y_train, epochs, batch_size, lr, optimiser,
                  (X_test, y_test), seed, progress, compile)
    evaluation = evaluate(model, X_test, y_test)
    figures.append(common.Comparison(f"cnn {dataset} test accuracy", None, evaluation.accuracy,
                                     f"{epochs} epochs, {history.seconds:.1f} s"))
    pictures = []
    if out is not None:
        pictures = [draw_filters(photo, out),
                    draw_feature_maps(photo[::2, ::2], random_filters(seed=seed), out)]
        figure, (ax,) = common.new_figure(1)
        mlp.plot_history(history, f"CNN on {dataset}: {evaluation.accuracy:.1%}", ax)
        pictures.append(common.save_figure(figure, out, f"cnn-{dataset}-training.png"))
    return {"figures": figures, "pictures": pictures, "model": model, "history": history,
            "evaluation": evaluation}


def main(argv: list[str] | None = None) -> int:
    parser = common.step_parser("cnn", "Step 5: the article's convolution by loops and by "
                                "conv2d, its filters on a photograph, then a small CNN. Unset "
                                "options take the data set's settings: " + "; ".join(
                                    f"{name}: {k}x{k} filters, {e} epochs, batch {b}, lr {lr}"
                                    for name, (k, e, b, lr) in SETTINGS.items()))
    parser.add_argument("--dataset", choices=sorted(SETTINGS), default="digits")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--optimiser", choices=mlp.OPTIMISERS, default="momentum")
    common.add_training_options(parser)
    args = parser.parse_args(argv)
    with common.training_options(args):
        result = run(args.out, args.seed, args.dataset, args.epochs, args.batch_size,
                     args.lr, args.optimiser, progress=not args.no_progress,
                     compile=args.compile)
    print(common.comparison_table(result["figures"], title="Step 5: convolution"))
    print(f"\n{result['model']}\n\nconfusion matrix of the test images:\n"
          + common.confusion_table(result["evaluation"].confusion,
                                   mlp.class_names(args.dataset)))
    print("\npictures: " + ", ".join(str(p) for p in result["pictures"]))
    return 0
