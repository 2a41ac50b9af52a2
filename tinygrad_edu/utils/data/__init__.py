"""tg.utils.data: datasets, samplers and the DataLoader, as `torch.utils.data`.

>>> import tinygrad_edu as tg
>>> from tinygrad_edu.utils.data import DataLoader, TensorDataset
>>> X, y = tg.randn(100, 4), tg.zeros(100, dtype=tg.int64)
>>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
>>> [xb.shape for xb, yb in loader]
[(32, 4), (32, 4), (32, 4), (4, 4)]

(`tg.data` is another thing: the bundled data sets and numpy helpers of the article.)
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
)

__all__ = [
    "BatchSampler", "ConcatDataset", "DataLoader", "Dataset", "RandomSampler", "Sampler",
    "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "default_collate",
    "default_convert", "random_split",
]
