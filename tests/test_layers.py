"""The package imports one way, so that its files can be read in order without jumping
ahead: grad_mode -> primitive -> ops -> tensor -> autograd -> nn.functional -> nn, optim,
data, ... Read from the source with `ast`; a new upward import, a new module without a
layer, an import circle or a private name used across modules fails here."""

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "tinygrad_edu"

# Each module may import, at module level, only from earlier layers, or from modules of its
# own group (a subpackage such as `nn` or `viz`), as long as that makes no circle.
LAYERS = [
    ["grad_mode", "dtypes", "device", "generator", "denormals"],
    ["primitive"],
    ["ops", "grad_fn"],
    ["tensor_helpers"],
    ["tensor_arithmetic", "tensor_logic", "tensor_picking", "tensor_reductions",
     "tensor_shapes"],
    ["tensor"],
    ["autograd_function"],
    ["autograd", "creation", "files", "functions", "numpy_functions"],
    ["nn.convolution", "nn.losses", "nn.normalization"],
    ["nn.functional"],
    ["nn", "optim", "data", "serialization", "testing", "utils"],
    ["compile_optim"],
    ["viz", "compile"],
    [""],  # the package's __init__: it gathers the public names
]

# Reaches upwards made inside a function when it runs: none (autograd.py registers its walk
# with tensor.py, and numpy_functions.py its tables, as Tensor registers itself with
# primitive.py and tensor_helpers.py).
UPWARD_REACHES: set[tuple[str, str]] = set()


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_and_group(name: str) -> tuple[int, str]:
    """The layer of the longest listed prefix of `name`, and that prefix (its group)."""
    best = None
    for layer, groups in enumerate(LAYERS):
        for group in groups:
            if name == group or name.startswith(group + ".") or group == "" and name == "":
                if best is None or len(group) > len(best[1]):
                    best = (layer, group)
    if best is None:
        raise AssertionError(f"module tinygrad_edu.{name} has no layer: add it to LAYERS "
                             f"in tests/test_layers.py, below what it imports")
    return best


def resolve(name: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The package modules an import statement in module `name` refers to."""
    if isinstance(node, ast.Import):
        return [a.name.removeprefix("tinygrad_edu").lstrip(".") for a in node.names
                if a.name == "tinygrad_edu" or a.name.startswith("tinygrad_edu.")]
    if node.level == 0:
        if node.module is None or not (node.module == "tinygrad_edu"
                                       or node.module.startswith("tinygrad_edu.")):
            return []
        base = node.module.removeprefix("tinygrad_edu").lstrip(".").split(".")
    else:
        here = name.split(".") if name else []
        package = here if is_package else here[:-1]
        base = package[:len(package) - (node.level - 1)]
        base += node.module.split(".") if node.module else []
    base = [p for p in base if p]
    targets = []
    for alias in node.names:  # `from . import ops` names a module; `from .x import f` not
        candidate = ".".join(base + [alias.name])
        targets.append(candidate if candidate in MODULES else ".".join(base))
    return targets


def imports(name: str) -> tuple[set[str], set[str]]:
    """(module-level imports, imports inside functions) of package module `name`."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    top, inner = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            targets = set(resolve(name, path.name == "__init__.py", node)) - {name}
            (top if node.col_offset == 0 else inner).update(targets)
    return top, inner


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_imports_only_from_earlier_layers(name):
    layer, group = layer_and_group(name)
    top, inner = imports(name)
    for target in top:
        target_layer, target_group = layer_and_group(target)
        same_group = target_group == group and group != ""
        assert target_layer < layer or same_group, (
            f"tinygrad_edu.{name} (layer {layer}) imports tinygrad_edu.{target} "
            f"(layer {target_layer}): an upward import")
    for target in inner:
        if layer_and_group(target)[0] > layer:
            assert (name, target) in UPWARD_REACHES, (
                f"tinygrad_edu.{name} reaches up to tinygrad_edu.{target} inside a function; "
                f"only {sorted(UPWARD_REACHES)} may")


def test_no_import_circle():
    graph = {name: imports(name)[0] for name in MODULES}
    done, on_path = set(), []

    def visit(name):  # iterative enough for a package of this size
        if name in on_path:
            raise AssertionError("import circle: " + " -> ".join(on_path + [name]))
        if name in done:
            return
        on_path.append(name)
        for target in sorted(graph.get(name, ())):
            visit(target)
        on_path.pop()
        done.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_layers_below_reach_up_by_registration():
    import tinygrad_edu

    def module(name):  # `tinygrad_edu.tensor` is also the name of a function
        return importlib.import_module(f"tinygrad_edu.{name}")

    autograd, primitive, tensor = module("autograd"), module("primitive"), module("tensor")
    assert primitive.TensorType is tinygrad_edu.Tensor
    assert module("tensor_helpers").Tensor is tinygrad_edu.Tensor
    assert tensor.backward_walk.run is autograd.backward
    numpy_functions = module("numpy_functions")
    assert tensor.numpy_protocols.ufunc is numpy_functions.on_ufunc
    assert tensor.numpy_protocols.function is numpy_functions.on_function


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_private_name_crosses_modules(name):
    tree = ast.parse(MODULES[name].read_text())
    imported_modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and resolve(
                name, MODULES[name].name == "__init__.py", node):
            for alias in node.names:
                assert not alias.name.startswith("_") or alias.name == "__future__", (
                    f"tinygrad_edu.{name} imports the private name {alias.name}")
                imported_modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in imported_modules and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            raise AssertionError(f"tinygrad_edu.{name} uses {node.value.id}.{node.attr}")
