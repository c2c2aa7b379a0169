"""The torch twin mirrors the NumPy API: module names, class names, constructor signatures."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import pytest

import nncourse.numpy.layers as N
import nncourse.torch.layers as T
from nncourse.torch.distributed import distributed_info, setup_distributed

LAYERS = ["Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Dropout",
          "BatchNorm1d", "Flatten", "Sequential"]


@pytest.mark.parametrize("name", LAYERS)
def test_layer_constructors_take_the_numpy_arguments(name: str) -> None:
    numpy_params = inspect.signature(getattr(N, name).__init__).parameters
    torch_params = inspect.signature(getattr(T, name).__init__).parameters
    for arg, param in numpy_params.items():
        assert arg in torch_params, f"{name} lacks argument {arg!r}"
        if arg != "dtype":  # NumPy float64 vs torch's default dtype
            assert torch_params[arg].default == param.default, (name, arg)
    positional = [a for a, p in numpy_params.items()
                  if p.kind is p.POSITIONAL_OR_KEYWORD and a != "dtype"]
    assert [a for a in torch_params if a in positional] == positional


@pytest.mark.parametrize("module", ["layers", "losses", "activations", "init", "optim",
                                    "training", "callbacks"])
def test_modules_and_public_names_exist_in_both_backends(module: str) -> None:
    numpy_module = importlib.import_module(f"nncourse.numpy.{module}")
    torch_module = importlib.import_module(f"nncourse.torch.{module}")
    public = {n for n in getattr(numpy_module, "__all__", []) if n[0].isupper()}
    public -= {"Activation", "RandomSource"}  # NumPy-only helper types
    missing = {n for n in public if not hasattr(torch_module, n)}
    assert not missing, f"nncourse.torch.{module} lacks {sorted(missing)}"


def test_import_needs_no_gpu_and_no_plotting() -> None:
    code = ("import sys, nncourse.torch; "
            "bad = [m for m in ('matplotlib', 'ipywidgets', 'nncourse.plots', 'nncourse.widgets')"
            " if m in sys.modules]; print(bad)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"CUDA_VISIBLE_DEVICES": "", "PATH": ""}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_distributed_helpers_outside_torchrun(monkeypatch: pytest.MonkeyPatch) -> None:
    info = distributed_info()
    assert (info.rank, info.world_size, info.is_main) == (0, 1, True)
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="torchrun --standalone"):
        setup_distributed()
