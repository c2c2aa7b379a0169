"""Pick the device to train on and check that a batch lives where the model does.

The rule of thumb for a learner: build the model, move it with ``model.to(device)``,
and move every batch with ``x.to(device)``. These helpers choose the device
(CUDA first, then Apple's MPS, then the CPU) and turn PyTorch's low-level
"expected all tensors to be on the same device" into a message that says what to
change.

Example:
    >>> device = get_device()          # "cuda" on a GPU machine, else "mps", else "cpu"
    >>> model = model.to(device)
"""

from __future__ import annotations

from collections.abc import Iterable

import torch

__all__ = ["VALID_DEVICES", "get_device", "module_device", "module_dtype", "check_same_device"]

#: Device names ``get_device`` accepts (an index may follow ``cuda``, as in ``"cuda:1"``).
VALID_DEVICES = ("cuda", "mps", "cpu")


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def get_device(preferred: str | torch.device | None = None) -> torch.device:
    """Return the best available device, or check and return the one asked for.

    Args:
        preferred: ``None`` picks ``"cuda"`` if a CUDA GPU is visible, else ``"mps"``
            (Apple silicon), else ``"cpu"``. A name (``"cpu"``, ``"cuda"``,
            ``"cuda:1"``, ``"mps"``) or a ``torch.device`` forces that device.

    Returns:
        A ``torch.device``.

    Raises:
        ValueError: an unknown name, or a device this machine does not have.

    Example:
        >>> get_device("cpu")
        device(type='cpu')
    """
    if preferred is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if not isinstance(preferred, (str, torch.device)):
        raise TypeError(
            f"device must be None, a string or a torch.device; got {type(preferred).__name__} "
            f"{preferred!r}. Use one of {list(VALID_DEVICES)} or None to choose automatically."
        )
    name = str(preferred).strip().lower()
    kind = name.split(":", 1)[0]
    if kind not in VALID_DEVICES:
        raise ValueError(
            f"Unknown device {str(preferred)!r}. Valid options: {', '.join(VALID_DEVICES)} "
            f"(optionally 'cuda:<index>'), or device=None to pick the best one automatically."
        )
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise ValueError(
            f"Could not parse device {str(preferred)!r} ({error}). Write it as 'cuda', "
            f"'cuda:0', 'mps' or 'cpu'."
        ) from error
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(
                f"device {name!r} was requested but no CUDA GPU is visible to PyTorch "
                f"(torch {torch.__version__}, CUDA build: {torch.version.cuda}). Use device='cpu' "
                f"or device=None, or install a CUDA build of PyTorch."
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(
                f"device {name!r} does not exist: this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), numbered from 0."
            )
    if device.type == "mps" and not _mps_available():
        raise ValueError(
            "device 'mps' was requested but Apple's Metal backend is not available here. "
            "Use device='cpu' or device=None."
        )
    return device


def module_device(module: torch.nn.Module) -> torch.device:
    """The device of a module's first parameter or buffer (CPU for a module with neither).

    Example:
        >>> module_device(torch.nn.Linear(2, 3))
        device(type='cpu')
    """
    for tensor in module.parameters():
        return tensor.device
    for tensor in module.buffers():
        return tensor.device
    return torch.device("cpu")


def module_dtype(module: torch.nn.Module) -> torch.dtype:
    """The dtype of a module's first floating parameter (inputs are converted to it).

    Example:
        >>> module_dtype(torch.nn.Linear(2, 3).double())
        torch.float64
    """
    return next((p.dtype for p in module.parameters() if p.is_floating_point()),
                torch.get_default_dtype())


def _same(a: torch.device, b: torch.device) -> bool:
    # "cuda" and "cuda:0" name the same GPU when the current device is 0.
    if a.type != b.type:
        return False
    if a.type != "cuda" or a.index == b.index:
        return True
    current = torch.cuda.current_device() if torch.cuda.is_available() else 0
    return (a.index if a.index is not None else current) == (
        b.index if b.index is not None else current)


def check_same_device(model_device: torch.device, tensors: Iterable[torch.Tensor],
                      names: Iterable[str] = ("x", "y")) -> None:
    """Raise a clear error if any tensor is not on ``model_device``.

    Args:
        model_device: where the model's parameters are (see :func:`module_device`).
        tensors: the batch tensors, e.g. ``(x, y)``.
        names: what to call each tensor in the message.

    Raises:
        ValueError: naming both devices and the ``.to(device)`` call that fixes it.

    Example:
        >>> check_same_device(torch.device("cpu"), [torch.zeros(2)], ["x"])
    """
    for name, tensor in zip(names, tensors, strict=False):
        if isinstance(tensor, torch.Tensor) and not _same(tensor.device, model_device):
            raise ValueError(
                f"The model is on {model_device} but {name} is on {tensor.device}. Move them to "
                f"the same device: {name} = {name}.to('{model_device}') (or "
                f"model.to('{tensor.device}'))."
            )
