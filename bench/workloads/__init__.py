"""The benchmark's workloads, each a training step written twice (numpy by hand, and
tinygrad_edu as a user writes it), side by side in one small module:

- W1, W2 `sigmoid_mlp.py`: the article's sigmoid networks on Fashion-MNIST and iris
- W3 `relu_mlp.py`: a 784-256-10 ReLU network with softmax cross entropy, batch 256
- W4 `conv.py`: conv -> relu -> maxpool -> linear, against an im2col numpy baseline
- W5 `logistic.py`: the article's logistic regression, one full-batch step

What they share (data, initial weights, the numpy sigmoid and losses, the two sides'
plumbing) is in `common.py`.
"""

from __future__ import annotations

from collections.abc import Iterator

from .common import Images, Workload, compiled_side, image_data
from .conv import w4
from .logistic import w5
from .relu_mlp import w3
from .sigmoid_mlp import w1, w2

IMAGE_WORKLOADS = {"W1": w1, "W3": w3, "W4": w4}  # built from the same images
IRIS_WORKLOADS = {"W2": w2, "W5": w5}
KEYS = ("W1", "W2", "W3", "W4", "W5")


def check_keys(keys: list[str]) -> None:
    """Raise ValueError naming any key that is not a workload."""
    unknown = [k for k in keys if k not in KEYS]
    if unknown or not keys:
        raise ValueError(f"bench: unknown workload(s) {', '.join(unknown) or '(none given)'}; "
                         f"choose from {', '.join(KEYS)}")


def build(keys: list[str], synthetic: bool = False) -> Iterator[Workload]:
    """The workloads named in `keys`, built one at a time (so only one holds its batches
    in memory); the images are loaded once, on first need. Each comes with its
    tinygrad_edu side compiled (`tg.compile`), built from a twin of the workload."""
    check_keys(keys)
    return _build(keys, synthetic)


def _build(keys: list[str], synthetic: bool) -> Iterator[Workload]:
    images: Images | None = None
    for key in keys:
        if key in IMAGE_WORKLOADS:
            images = images or image_data(synthetic)
            workload, twin = (IMAGE_WORKLOADS[key](images) for _ in range(2))
        else:
            workload, twin = (IRIS_WORKLOADS[key]() for _ in range(2))
        workload.compiled = compiled_side(twin.tinygrad)
        yield workload


__all__ = ["KEYS", "Images", "Workload", "build", "check_keys", "image_data"]
