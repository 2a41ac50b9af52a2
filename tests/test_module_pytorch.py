"""Module as PyTorch's: buffers, traversal, apply, requires_grad_, train/eval everywhere,
the containers, the printed tree, and a state_dict with PyTorch's names and order (what
`load_state_dict(strict=True)` in PyTorch needs), saved and loaded with tg.save/tg.load."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class EveryLayer(nn.Module):
    """A model with every new layer, built the way a PyTorch user would."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4, padding_idx=0)
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.GELU(),
                                      nn.GroupNorm(2, 4), nn.AdaptiveAvgPool2d((2, 2)),
                                      nn.Flatten(), nn.Dropout(0.2))
        self.blocks = nn.ModuleList([nn.Linear(16, 16), nn.LayerNorm(16), nn.SiLU()])
        self.heads = nn.ModuleDict({"out": nn.Linear(16, 3), "act": nn.LeakyReLU()})
        self.extra = nn.ParameterList([nn.Parameter(tg.zeros(3))])
        self.norm1d = nn.BatchNorm1d(3)
        self.misc = nn.Sequential(nn.ELU(), nn.Softplus(), nn.Identity(),
                                  nn.Unflatten(1, (3, 1)), nn.Flatten())

    def forward(self, images, tokens):
        x = self.features(images)
        for block in self.blocks:
            x = block(x)
        x = self.heads["act"](self.heads["out"](x)) + self.extra[0]
        x = x + self.embed(tokens).sum(1)[:, :3]
        return self.misc(self.norm1d(x))


# the names and order PyTorch's state_dict() gives this model (parameters, then buffers,
# per module, depth first)
PYTORCH_KEYS = [
    "embed.weight",
    "features.0.weight", "features.0.bias",
    "features.1.weight", "features.1.bias", "features.1.running_mean",
    "features.1.running_var", "features.1.num_batches_tracked",
    "features.3.weight", "features.3.bias",
    "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
    "heads.out.weight", "heads.out.bias",
    "extra.0",
    "norm1d.weight", "norm1d.bias", "norm1d.running_mean", "norm1d.running_var",
    "norm1d.num_batches_tracked",
]


def test_state_dict_has_pytorchs_names_order_shapes_and_dtypes():
    sd = EveryLayer().state_dict()
    assert list(sd) == PYTORCH_KEYS
    assert sd["features.1.num_batches_tracked"].shape == ()
    assert sd["features.1.num_batches_tracked"].dtype == np.int64
    assert sd["features.0.weight"].shape == (4, 1, 3, 3) and sd["embed.weight"].shape == (10, 4)
    assert all(sd[k].dtype == np.float32 for k in PYTORCH_KEYS if "num_batches" not in k)


def test_a_trained_model_saved_with_tg_save_loads_strictly_into_the_same_architecture(
        tmp_path):
    tg.manual_seed(0)
    model = EveryLayer()
    images, tokens = tg.randn(5, 1, 6, 6), tg.tensor(np.arange(10).reshape(5, 2))
    opt = tg.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        opt.zero_grad()
        (model(images, tokens) ** 2).mean().backward()
        opt.step()
    tg.save(model.state_dict(), tmp_path / "model.safetensors")
    copy = EveryLayer()
    copy.load_state_dict(tg.load(tmp_path / "model.safetensors"), strict=True)
    assert copy.norm1d.num_batches_tracked.item() == 3
    model.eval()
    copy.eval()
    np.testing.assert_array_equal(copy(images, tokens).numpy(), model(images, tokens).numpy())


def test_train_and_eval_reach_every_submodule_including_containers():
    model = EveryLayer().eval()
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    assert model.features[6].training and model.blocks[2].training


def test_buffers_and_named_buffers():
    model = EveryLayer()
    names = [name for name, _ in model.named_buffers()]
    assert names == ["features.1.running_mean", "features.1.running_var",
                     "features.1.num_batches_tracked", "norm1d.running_mean",
                     "norm1d.running_var", "norm1d.num_batches_tracked"]
    assert len(list(model.buffers())) == 6 and list(model.norm1d.buffers(recurse=False))
    assert not any(b.requires_grad for b in model.buffers())


def test_register_buffer_rules_and_non_persistent_buffers():
    m = nn.Module()
    m.register_buffer("scale", tg.ones(2))
    m.register_buffer("cache", tg.zeros(3), persistent=False)
    m.register_buffer("absent", None)
    assert list(m.state_dict()) == ["scale"] and len(list(m.buffers())) == 2
    m.scale = tg.full((2,), 3.0)                 # assigning a Tensor replaces the buffer
    assert m.state_dict()["scale"].tolist() == [3.0, 3.0]
    with pytest.raises(TypeError, match="cannot assign a list to the buffer 'scale'"):
        m.scale = [1, 2]
    with pytest.raises(KeyError, match="attribute 'training' already exists"):
        m.register_buffer("training", tg.ones(1))
    with pytest.raises(KeyError, match="without '.'"):
        m.register_buffer("a.b", tg.ones(1))
    del m.scale
    assert list(m.state_dict()) == []


def test_apply_visits_children_before_parents_and_requires_grad_freezes():
    model = nn.Sequential(nn.Sequential(nn.Linear(2, 2)), nn.ReLU())
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "Sequential", "ReLU", "Sequential"]     # PyTorch's order
    model.apply(lambda m: nn.init.zeros_(m.weight) if isinstance(m, nn.Linear) else None)
    assert (model[0][0].weight.numpy() == 0).all()
    model[0].requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())


def test_zero_grad_sets_none_by_default_or_zeros():
    layer = nn.Linear(2, 1)
    layer(tg.ones(1, 2)).sum().backward()
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad.tolist() == [[0.0, 0.0]]
    layer.zero_grad()
    assert layer.weight.grad is None


def test_module_list_behaves_like_a_list():
    layers = nn.ModuleList([nn.Linear(1, 1), nn.ReLU()])
    layers.append(nn.Tanh())
    layers.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in layers] == ["Sigmoid", "Linear", "ReLU", "Tanh"]
    del layers[0]
    assert [name for name, _ in layers.named_children()] == ["0", "1", "2"]
    assert isinstance(layers[0], nn.Linear) and isinstance(layers[-1], nn.Tanh)
    assert len(layers[1:]) == 2 and isinstance(layers[1:], nn.ModuleList)
    layers += [nn.Identity()]
    layers[3] = nn.ELU()
    assert len(layers) == 4 and isinstance(layers[3], nn.ELU)
    assert list(layers.state_dict()) == ["0.weight", "0.bias"]
    with pytest.raises(IndexError, match="index 4 is out of range for 4 items"):
        layers[4]


def test_module_dict_behaves_like_a_dict():
    heads = nn.ModuleDict([("a", nn.Linear(2, 1))])
    heads["b"] = nn.Linear(2, 2)
    heads.update({"c": nn.ReLU()})
    assert list(heads) == ["a", "b", "c"] and "b" in heads and len(heads) == 3
    assert list(heads.state_dict()) == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("c"), nn.ReLU) and list(heads.keys()) == ["a", "b"]
    del heads["a"]
    assert list(heads.items())[0][0] == "b"
    with pytest.raises(KeyError):
        heads["missing"]
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        heads["forward"] = nn.ReLU()
    heads.clear()
    assert len(heads) == 0


def test_parameter_list_registers_tensors_as_parameters():
    ps = nn.ParameterList([tg.zeros(2, 3)])
    ps.append(tg.ones(4))
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in ps)
    assert [n for n, _ in ps.named_parameters()] == ["0", "1"] and ps[-1].shape == (4,)
    assert repr(ps) == ("ParameterList(\n    (0): Parameter containing: [float32 of size 2x3]\n"
                        "    (1): Parameter containing: [float32 of size 4]\n)")


def test_repr_prints_the_tree_as_pytorch_does():
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.1),
                          nn.ModuleList([nn.Linear(8, 8) for _ in range(3)] + [nn.ReLU()]))
    assert repr(model) == """Sequential(
  (0): Linear(in_features=4, out_features=8, bias=True)
  (1): BatchNorm1d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
  (2): Dropout(p=0.1, inplace=False)
  (3): ModuleList(
    (0-2): 3 x Linear(in_features=8, out_features=8, bias=True)
    (3): ReLU()
  )
)"""
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
