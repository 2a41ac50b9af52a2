"""tg.utils.data: datasets, samplers, collation and the DataLoader, against the behaviour
PyTorch documents for torch.utils.data (examples transcribed from its docstrings)."""

import warnings
from collections import namedtuple

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.utils import data
from tinygrad_edu.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    default_collate,
    default_convert,
    random_split,
)

X = tg.arange(20.0).reshape(10, 2)
Y = tg.arange(10)


def rows(loader):
    return [y.tolist() for _, y in loader]


# -- datasets ----------------------------------------------------------------------------

def test_tensor_dataset_gives_rows_as_tuples():
    ds = TensorDataset(X, Y)
    x, y = ds[3]
    assert len(ds) == 10 and x.tolist() == [6.0, 7.0] and y.item() == 3


def test_tensor_dataset_refuses_tensors_of_different_lengths():
    with pytest.raises(ValueError, match="size mismatch between tensors"):
        TensorDataset(X, tg.arange(9))
    with pytest.raises(TypeError, match="argument 1 is a ndarray, not a Tensor"):
        TensorDataset(X, np.arange(10))


def test_subset_and_concat_dataset():
    s = Subset(TensorDataset(Y), [7, 2])
    assert len(s) == 2 and s[0][0].item() == 7 and s[1][0].item() == 2
    both = TensorDataset(Y) + TensorDataset(Y * 10)
    assert isinstance(both, ConcatDataset) and len(both) == 20
    assert both[12][0].item() == 20 and both[-1][0].item() == 90
    with pytest.raises(IndexError):
        both[-21]


def test_a_dataset_subclass_must_define_getitem():
    with pytest.raises(NotImplementedError, match="must define __getitem__"):
        Dataset()[0]


# -- random_split --------------------------------------------------------------------------

def test_random_split_by_counts_covers_every_sample_once_and_is_seeded():
    split = lambda: random_split(range(10), [3, 7], generator=np.random.default_rng(42))
    a, b = split()
    assert (len(a), len(b)) == (3, 7)
    assert sorted(list(a) + list(b)) == list(range(10))
    assert list(split()[0]) == list(a)


def test_random_split_by_fractions_hands_out_the_remainder_round_robin():
    # PyTorch's rule: floor(n * f) each, then one each in turn: 10 * [0.25, 0.25, 0.5]
    # is 2, 2, 5 and the one left over goes to the first subset
    parts = random_split(range(10), [0.25, 0.25, 0.5])
    assert [len(p) for p in parts] == [3, 2, 5]
    assert [len(p) for p in random_split(range(30), [0.3, 0.3, 0.4])] == [9, 9, 12]


@pytest.mark.parametrize("lengths, message", [
    ([3, 6], "must be counts that add up to the dataset's 10"),
    ([1.5, -0.5], "fraction at index 0"),
])
def test_random_split_refuses_lengths_that_do_not_fit(lengths, message):
    with pytest.raises(ValueError, match=message):
        random_split(range(10), lengths)


# -- samplers ------------------------------------------------------------------------------

def test_sequential_and_batch_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3]
    # PyTorch's BatchSampler docstring
    assert list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=False)) \
        == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert list(BatchSampler(SequentialSampler(range(10)), batch_size=3, drop_last=True)) \
        == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_random_sampler_draws_a_new_permutation_each_pass():
    sampler = RandomSampler(range(50), generator=np.random.default_rng(0))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(50)) and first != second


def test_random_sampler_with_more_samples_than_data_and_with_replacement():
    chained = list(RandomSampler(range(5), num_samples=12, generator=np.random.default_rng(1)))
    assert len(chained) == 12 and sorted(chained[:5]) == sorted(chained[5:10]) == list(range(5))
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=300))
    assert len(drawn) == 300 and set(drawn) == {0, 1, 2}
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(range(3), num_samples=0)


def test_subset_random_sampler_permutes_the_given_indices():
    assert sorted(SubsetRandomSampler([5, 1, 9])) == [1, 5, 9]


# -- collation (examples from PyTorch's default_collate docstring) -----------------------

def test_default_collate_numbers_strings_dicts():
    assert default_collate([0, 1, 2, 3]).dtype == np.int64
    assert default_collate([0.5, 1.5]).dtype == np.float64       # Python floats: float64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate(["a", "b", "c"]) == ["a", "b", "c"]
    batch = default_collate([{"A": 0, "B": 1}, {"A": 100, "B": 100}])
    assert {k: v.tolist() for k, v in batch.items()} == {"A": [0, 100], "B": [1, 100]}


def test_default_collate_tuples_give_lists_and_namedtuples_stay():
    numbers, letters = default_collate([(0, "a"), (1, "b")])
    assert numbers.tolist() == [0, 1] and letters == ("a", "b")
    assert isinstance(default_collate([(0, "a"), (1, "b")]), list)
    Point = namedtuple("Point", ["x", "y"])
    p = default_collate([Point(0, 0), Point(1, 1)])
    assert isinstance(p, Point) and p.x.tolist() == [0, 1] and p.y.tolist() == [0, 1]
    first, second = default_collate([[0, 1], [2, 3]])
    assert first.tolist() == [0, 2] and second.tolist() == [1, 3]


def test_default_collate_stacks_tensors_and_arrays_keeping_the_dtype():
    t = default_collate([tg.zeros(2, 3), tg.ones(2, 3)])
    assert t.shape == (2, 2, 3) and t.dtype == np.float32
    a = default_collate([np.zeros(3, dtype=np.float16), np.ones(3, dtype=np.float16)])
    assert isinstance(a, tg.Tensor) and a.dtype == np.float16 and a.shape == (2, 3)
    assert default_collate([np.float64(1.5), np.float64(2.5)]).tolist() == [1.5, 2.5]


def test_default_collate_keeps_the_gradient_path_to_samples():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    (default_collate([w * 2, w * 3]).sum()).backward()
    assert w.grad.tolist() == [5.0, 5.0]


@pytest.mark.parametrize("batch, error, message", [
    ([[0, 1], [2]], RuntimeError, "each element in list of batch should be of equal size"),
    ([tg.zeros(2), tg.zeros(3)], RuntimeError, "stack expects each tensor to be equal size"),
    ([np.array(["x"]), np.array(["y"])], TypeError, "batch must contain tensors"),
    ([object(), object()], TypeError, "found object"),
])
def test_default_collate_errors(batch, error, message):
    with pytest.raises(error, match=message):
        default_collate(batch)


def test_default_convert_turns_arrays_into_tensors_only():
    x, label = default_convert((np.arange(3), "cat"))
    assert isinstance(x, tg.Tensor) and label == "cat"
    assert default_convert(3) == 3


# -- the DataLoader ------------------------------------------------------------------------

def test_batches_in_order_with_a_short_last_batch():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4)
    assert rows(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(loader) == 3
    xb, _ = next(iter(loader))
    assert xb.shape == (4, 2) and xb.dtype == np.float32


def test_drop_last_drops_the_short_batch():
    loader = DataLoader(TensorDataset(X, Y), batch_size=4, drop_last=True)
    assert rows(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]] and len(loader) == 2
    exact = DataLoader(TensorDataset(X, Y), batch_size=5, drop_last=True)
    assert len(exact) == 2 and len(list(exact)) == 2


def test_a_seeded_generator_gives_the_same_batches_on_every_run():
    def run():
        loader = DataLoader(TensorDataset(X, Y), batch_size=3, shuffle=True,
                            generator=np.random.default_rng(7))
        return [rows(loader) for _epoch in range(3)]
    first = run()
    assert first == run()
    assert first[0] != first[1]                       # each epoch has its own order
    for epoch in first:
        assert sorted(sum(epoch, [])) == list(range(10)) and [len(b) for b in epoch] == \
            [3, 3, 3, 1]


def test_without_a_generator_tg_manual_seed_fixes_the_order():
    loader = DataLoader(TensorDataset(X, Y), batch_size=10, shuffle=True)
    tg.manual_seed(3)
    first = rows(loader)
    tg.manual_seed(3)
    assert rows(loader) == first and first != [list(range(10))]


@pytest.mark.parametrize("ds", [TensorDataset(X, Y),
                                random_split(TensorDataset(X, Y), [4, 6])[1]])
def test_the_fast_path_for_tensor_datasets_equals_collating_rows_one_by_one(ds):
    fast = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(0))
    slow = DataLoader(ds, batch_size=3, shuffle=True, generator=np.random.default_rng(0),
                      collate_fn=lambda batch: default_collate(batch))
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        assert xf.dtype == xs.dtype and yf.dtype == ys.dtype
        np.testing.assert_array_equal(xf.numpy(), xs.numpy())
        np.testing.assert_array_equal(yf.numpy(), ys.numpy())


def test_sampler_batch_sampler_and_collate_fn():
    ds = TensorDataset(X, Y)
    assert rows(DataLoader(ds, batch_size=2, sampler=[9, 8, 1])) == [[9, 8], [1]]
    assert rows(DataLoader(ds, batch_sampler=[[0, 5], [2]])) == [[0, 5], [2]]
    sums = list(DataLoader(ds, batch_size=5, collate_fn=lambda b: sum(y.item() for _, y in b)))
    assert sums == [0 + 1 + 2 + 3 + 4, 5 + 6 + 7 + 8 + 9]


def test_batch_size_none_yields_single_converted_samples():
    class Arrays(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, i)
    samples = list(DataLoader(Arrays(), batch_size=None))
    assert len(samples) == 3 and isinstance(samples[2], tg.Tensor)
    assert samples[2].tolist() == [2, 2]


def test_any_dataset_with_getitem_and_len_works_lists_and_dicts_too():
    ds = [{"x": np.ones(2) * i, "label": i} for i in range(5)]
    batch = next(iter(DataLoader(ds, batch_size=5)))
    assert batch["x"].shape == (5, 2) and batch["label"].tolist() == [0, 1, 2, 3, 4]


def test_workers_run_in_process_with_one_warning(monkeypatch):
    monkeypatch.setattr(data.dataloader, "_warned_about_workers", False)
    ds = TensorDataset(X, Y)
    with pytest.warns(UserWarning, match="num_workers=2 is ignored"):
        loader = DataLoader(ds, batch_size=4, num_workers=2, pin_memory=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a second loader does not warn again
        DataLoader(ds, batch_size=4, num_workers=4)
    assert rows(loader) == rows(DataLoader(ds, batch_size=4))


@pytest.mark.parametrize("kwargs, message", [
    (dict(num_workers=-1), "num_workers option should be a non-negative integer"),
    (dict(batch_size=0), "batch_size should be a positive integer"),
    (dict(sampler=[0, 1], shuffle=True), "sampler option is mutually exclusive with shuffle"),
    (dict(batch_sampler=[[0]], batch_size=4), "batch_sampler option is mutually exclusive"),
    (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
])
def test_loader_settings_that_do_not_fit_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DataLoader(TensorDataset(X, Y), **kwargs)


def test_a_generator_of_the_wrong_kind_is_named():
    with pytest.raises(TypeError, match="generator must be a numpy Generator"):
        DataLoader(TensorDataset(X, Y), shuffle=True, generator=42)
