"""Copy a model between the NumPy reference and its torch twin, weights included.

Both backends use the same class names, parameter names and layouts
(``Linear.weight`` is ``(out_features, in_features)`` in both), so conversion is
building the twin layer by layer and copying the ``state_dict`` values as they
are: no transposes, no renaming.

Example:
    >>> numpy_model = nncourse.numpy.layers.Sequential(Linear(2, 8, seed=0), ReLU(), ...)
    >>> torch_model = from_numpy_model(numpy_model)          # float32, on the CPU
    >>> back = to_numpy_model(torch_model)                    # float64 arrays
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from nncourse.numpy import layers as N
from nncourse.numpy import normalization as NN
from nncourse.torch import layers as T
from nncourse.torch import normalization as TN
from nncourse.torch.checkpoint import unwrap_model

__all__ = ["from_numpy_model", "to_numpy_model", "SUPPORTED_LAYERS"]

#: Layer classes that convert in both directions.
SUPPORTED_LAYERS = ("Linear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax", "Dropout",
                    "BatchNorm1d", "Flatten", "Sequential")


def _unsupported(layer: Any, direction: str) -> TypeError:
    return TypeError(
        f"{direction}: cannot convert a {type(layer).__name__}. Supported layers: "
        f"{', '.join(SUPPORTED_LAYERS)}. Build the other model by hand and copy the weights "
        "with load_state_dict."
    )


def _children(model: Any) -> list[Any]:
    if isinstance(model, nn.Module):
        return list(model.children())
    return [child for _, child in model.children()]


def _linear_sizes(layer: Any) -> tuple[int, int, bool]:
    weight = layer.weight.data if hasattr(layer.weight, "data") else layer.weight
    out_features, in_features = tuple(weight.shape)  # both backends: (out, in)
    return int(in_features), int(out_features), getattr(layer, "bias", None) is not None


def _build_torch(layer: Any) -> nn.Module:
    name = type(layer).__name__
    if name == "Sequential":
        return T.Sequential(*[_build_torch(child) for child in _children(layer)])
    if name == "Linear":
        in_features, out_features, bias = _linear_sizes(layer)
        return T.Linear(in_features, out_features, bias=bias, init="zeros")  # weights copied next
    if name == "LeakyReLU":
        return T.LeakyReLU(getattr(layer, "negative_slope", 0.01))
    if name == "Softmax":
        return T.Softmax(getattr(layer, "dim", getattr(layer, "axis", -1)))
    if name == "Dropout":
        return TN.Dropout(layer.p)
    if name == "BatchNorm1d":
        return TN.BatchNorm1d(int(layer.running_mean.shape[0]), eps=layer.eps,
                             momentum=layer.momentum, affine=getattr(layer, "affine", True))
    if name == "Flatten":
        return T.Flatten(getattr(layer, "start_dim", 1), getattr(layer, "end_dim", -1))
    if name in ("ReLU", "Sigmoid", "Tanh"):
        return getattr(T, name)()
    raise _unsupported(layer, "from_numpy_model")


def _build_numpy(layer: nn.Module) -> Any:
    name = type(layer).__name__
    if isinstance(layer, nn.Sequential):
        return N.Sequential(*[_build_numpy(child) for child in layer.children()])
    if isinstance(layer, nn.Linear) or name == "Linear":
        in_features, out_features, bias = _linear_sizes(layer)
        return N.Linear(in_features, out_features, bias=bias, seed=0)
    if isinstance(layer, nn.LeakyReLU) or name == "LeakyReLU":
        return N.LeakyReLU(layer.negative_slope)
    if isinstance(layer, nn.Softmax) or name == "Softmax":
        return N.Softmax(layer.dim if layer.dim is not None else -1)
    if isinstance(layer, nn.Dropout) or name == "Dropout":
        return NN.Dropout(layer.p)
    if isinstance(layer, nn.BatchNorm1d):
        return NN.BatchNorm1d(layer.num_features, eps=layer.eps, momentum=layer.momentum,
                             affine=layer.affine)
    if isinstance(layer, nn.Flatten):
        return N.Flatten(layer.start_dim, layer.end_dim)
    for cls in ("ReLU", "Sigmoid", "Tanh"):
        if isinstance(layer, getattr(nn, cls)) or name == cls:
            return getattr(N, cls)()
    raise _unsupported(layer, "to_numpy_model")


def from_numpy_model(model: Any, dtype: torch.dtype = torch.float32,
                     device: str | torch.device | None = None) -> nn.Module:
    """Build the torch twin of a NumPy model and copy its weights and buffers.

    Args:
        model: a :mod:`nncourse.numpy.layers` model (e.g. a Sequential).
        dtype: floating dtype of the torch parameters; float32 (fast, works on every
            device) or torch.float64 for an exact copy of the float64 NumPy values.
        device: where to put the twin (default: the CPU).

    Returns:
        a torch model of :mod:`nncourse.torch.layers` classes, in the same train/eval mode.

    Example:
        >>> twin = from_numpy_model(numpy_model, dtype=torch.float64)
    """
    if isinstance(model, nn.Module):
        raise TypeError("from_numpy_model expects a NumPy model; this is already a torch "
                        "module (use to_numpy_model to go the other way).")
    twin = _build_torch(model).to(dtype=dtype)  # before loading, or float64 values get rounded
    state = {}
    for name, value in model.state_dict().items():
        array = np.asarray(value)
        tensor = torch.as_tensor(np.array(array, copy=True))
        state[name] = tensor.to(dtype) if np.issubdtype(array.dtype, np.floating) \
            else tensor.to(torch.int64)
    twin_state = twin.state_dict()
    for name, value in state.items():
        if name in twin_state and value.dim() != twin_state[name].dim():
            state[name] = value.reshape(twin_state[name].shape)  # e.g. a 0-d counter
    twin.load_state_dict(state, strict=True)
    twin.train(bool(getattr(model, "training", True)))
    return twin.to(device) if device is not None else twin


def to_numpy_model(model: nn.Module) -> Any:
    """Build the NumPy twin of a torch model and copy its weights and buffers (as float64).

    Args:
        model: a torch model made of the supported layers (a DDP wrapper is unwrapped).

    Returns:
        a :mod:`nncourse.numpy.layers` model in the same train/eval mode.

    Example:
        >>> numpy_model = to_numpy_model(torch_model)
        >>> numpy_model(x_batch)          # the same outputs, computed by NumPy
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_numpy_model expects a torch.nn.Module; got {type(model).__name__}.")
    model = unwrap_model(model)
    twin = _build_numpy(model)
    state = {}
    for name, value in model.state_dict().items():
        array = value.detach().cpu()
        state[name] = (array.double() if array.is_floating_point() else array).numpy().copy()
    twin_state = twin.state_dict()
    for name, value in list(state.items()):
        if name in twin_state and np.shape(twin_state[name]) != value.shape:
            state[name] = value.reshape(np.shape(twin_state[name]))
    twin.load_state_dict(state)
    twin.train(model.training)
    return twin
