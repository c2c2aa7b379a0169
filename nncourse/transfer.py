"""Transfer learning with the course's own pretrained CNN: data, model, freezing, training.

The source model (built by ``python -m nncourse.pretrain``, shipped in
:mod:`nncourse.pretrained`) is a small CNN trained on MNIST digits 0-4. The targets are
offline: MNIST digits 5-9 (new classes, same kind of image), scikit-learn's 8x8 digits
rescaled to 28x28 (other writers, other resolution, ten classes). A control source model
was trained on shuffled labels: its features encode no digit, so transfer should not help.

The model is ``backbone`` (every layer but the last) + ``head`` (the last ``Linear``)::

    Conv2d(1, 8, 3, p=1) ReLU MaxPool2d(2)      (B, 1, 28, 28) -> (B, 8, 14, 14)
    Conv2d(8, 16, 3, p=1) ReLU MaxPool2d(2)     -> (B, 16, 7, 7)
    Flatten Linear(784, 32) BatchNorm1d(32) ReLU -> (B, 32)      the features
    Linear(32, num_classes)                      -> (B, num_classes)   the head

The four strategies compared in chapter 9: ``"scratch"`` (random weights), ``"frozen"``
(pretrained backbone fixed, batch norm in eval mode, a new head trained), ``"finetune"``
(everything trained at one learning rate), ``"lower_lr"`` (the backbone at a tenth of the
head's learning rate).

Example:
    >>> model, info = load_pretrained()
    >>> model = replace_head(model, 5, seed=0)
    >>> freeze(backbone(model))
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nncourse._checks import check_choice, check_int, check_number, check_positive
from nncourse.datasets import load_digits, load_mnist_subset
from nncourse.torch.conv import Conv2d, MaxPool2d
from nncourse.torch.layers import Flatten, Linear, ReLU, Sequential
from nncourse.torch.losses import CrossEntropyLoss
from nncourse.torch.normalization import BatchNorm1d
from nncourse.torch.optim import Adam
from nncourse.torch.training import train_step

__all__ = ["PRETRAINED_DIR", "STRATEGIES", "TARGETS", "small_cnn", "backbone", "head",
           "replace_head", "freeze", "param_groups", "save_weights", "file_sha256",
           "load_pretrained", "source_data", "target_data", "digits_to_28", "train_steps",
           "accuracy", "run_transfer", "source_accuracy_after"]

#: Where the shipped weights and their provenance live: ``nncourse/pretrained`` in the
#: installed package.
#:
#: :meta hide-value:
PRETRAINED_DIR = Path(__file__).resolve().parent / "pretrained"
STRATEGIES = ("scratch", "frozen", "finetune", "lower_lr")
TARGETS = ("mnist59", "digits28")
Split = tuple[torch.Tensor, torch.Tensor]


def small_cnn(num_classes: int = 5, seed: int = 0) -> Sequential:
    """The course CNN (about 27k parameters for 5 classes), seeded layer by layer.

    Example:
        >>> sum(p.numel() for p in small_cnn().parameters())
        26597
    """
    check_int(num_classes, "num_classes", minimum=2)
    return Sequential(
        Conv2d(1, 8, 3, padding=1, seed=seed), ReLU(), MaxPool2d(2),
        Conv2d(8, 16, 3, padding=1, seed=seed + 1), ReLU(), MaxPool2d(2),
        Flatten(), Linear(16 * 7 * 7, 32, seed=seed + 2), BatchNorm1d(32), ReLU(),
        Linear(32, num_classes, seed=seed + 3),
    )


def backbone(model: Sequential) -> Sequential:
    """Every layer but the last (sharing the parameters): the feature extractor."""
    return Sequential(*list(model)[:-1])


def head(model: Sequential) -> nn.Module:
    """The last layer, the classifier on top of the features."""
    return model[-1]


def replace_head(model: Sequential, num_classes: int, seed: int = 0) -> Sequential:
    """The same backbone (same parameter objects) with a fresh ``Linear`` head.

    Example:
        >>> new = replace_head(small_cnn(5), 10)
        >>> new[-1].out_features
        10
    """
    old = head(model)
    if not hasattr(old, "in_features") or not isinstance(old, nn.Module):
        raise TypeError(f"replace_head expects the model's last layer to be a Linear; got "
                        f"{type(old).__name__}.")
    num_classes = check_int(num_classes, "num_classes", minimum=2)
    weight: torch.Tensor = old.weight  # type: ignore[assignment]  # a Linear's, checked above
    new_head = Linear(int(old.in_features), num_classes, seed=seed)  # type: ignore[arg-type]
    new_head.to(dtype=weight.dtype, device=weight.device)
    return Sequential(*list(backbone(model)), new_head)


def _check_module(module: Any, where: str) -> None:
    if not isinstance(module, nn.Module):
        raise TypeError(f"{where} expects a torch.nn.Module; got {type(module).__name__}. "
                        "Convert a NumPy model with nncourse.torch.from_numpy_model.")


def freeze(module: nn.Module) -> nn.Module:
    """No gradients for ``module``'s parameters and batch norm in eval mode (running stats kept).

    Training code that calls ``model.train()`` must call ``freeze`` again afterwards
    (:func:`train_steps` does): ``train()`` puts batch norm back in training mode.
    """
    _check_module(module, "freeze")
    for p in module.parameters():
        p.requires_grad_(False)
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.eval()
    return module


def param_groups(model: Sequential, lr: float, backbone_factor: float = 0.1) -> list[dict]:
    """Optimizer groups: the backbone at ``lr * backbone_factor``, the head at ``lr``.

    Example:
        >>> groups = param_groups(small_cnn(), lr=1e-3)
        >>> [g["lr"] for g in groups]
        [0.0001, 0.001]
    """
    _check_module(model, "param_groups")
    lr = check_positive(lr, "lr")
    backbone_factor = check_number(backbone_factor, "backbone_factor", low=0.0,
                                   hint="Use 0 to keep the backbone fixed.")
    return [{"params": list(backbone(model).parameters()), "lr": lr * backbone_factor},
            {"params": list(head(model).parameters()), "lr": lr}]


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def save_weights(model: nn.Module, path: str | Path) -> str:
    """Write the state dict as float32 .npz with fixed zip dates (same weights, same bytes).

    Returns:
        the file's sha256.
    """
    import io
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, value in model.state_dict().items():
            array = value.detach().cpu().numpy()
            array = array.astype(np.float32) if array.dtype.kind == "f" else array
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())
    return file_sha256(path)


def load_pretrained(name: str = "mnist04", directory: str | Path | None = None,
                    verify: bool = True) -> tuple[Sequential, dict[str, Any]]:
    """The shipped source model (in eval mode) and its provenance record.

    Args:
        name: "mnist04" (trained on digits 0-4) or "shuffled" (the control: shuffled labels).
        directory: where to look (default: :data:`PRETRAINED_DIR`).
        verify: check the file's sha256 against the one recorded beside it.

    Returns:
        ``(model, provenance)``; provenance is the JSON record written by the script.
    """
    check_choice(name, "name", ("mnist04", "shuffled"))
    folder = Path(directory) if directory is not None else PRETRAINED_DIR
    weights, record = folder / f"{name}.npz", folder / f"{name}.json"
    if not weights.exists():
        raise FileNotFoundError(f"No pretrained weights at {weights}. Build them with "
                                "`python -m nncourse.pretrain`.")
    provenance = json.loads(record.read_text())
    if verify and file_sha256(weights) != provenance["sha256"]:
        raise ValueError(f"{weights} does not match the sha256 recorded in {record.name}; "
                         "the file changed since it was built. Rebuild it with "
                         "`python -m nncourse.pretrain`.")
    model = small_cnn(len(provenance["classes"]), seed=0)
    with np.load(weights) as archive:
        state = {key: torch.from_numpy(archive[key]) for key in archive.files}
    model.load_state_dict(state)
    return model.eval(), provenance


def _split_per_class(y: np.ndarray, classes: tuple[int, ...],
                     n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices: for each class the last ``n_test`` images are test, the rest the pool."""
    pool, test = [], []
    for c in classes:
        where = np.flatnonzero(y == c)
        pool.append(where[:-n_test])
        test.append(where[-n_test:])
    return np.concatenate(pool), np.concatenate(test)


def _tensors(x: np.ndarray, y: np.ndarray, classes: tuple[int, ...]) -> Split:
    labels = np.searchsorted(np.array(classes), y)  # digits -> 0..len(classes)-1
    return (torch.as_tensor(x, dtype=torch.float32).reshape(-1, 1, 28, 28),  # (n, 1, 28, 28)
            torch.as_tensor(labels, dtype=torch.int64))


def source_data() -> tuple[Split, Split]:
    """MNIST digits 0-4 of the offline subset: 400 training and 100 test images per class."""
    x, y = load_mnist_subset(flatten=False, normalize=True)  # (5000, 28, 28)
    classes = (0, 1, 2, 3, 4)
    pool, test = _split_per_class(y, classes, 100)
    return _tensors(x[pool], y[pool], classes), _tensors(x[test], y[test], classes)


def digits_to_28(images: np.ndarray) -> np.ndarray:
    """scikit-learn 8x8 digits into MNIST's frame: bilinear to 20x20, centred in 28x28.

    Args:
        images: (n, 8, 8) in [0, 1].

    Returns:
        (n, 28, 28) float64.
    """
    x = torch.as_tensor(np.asarray(images, dtype=np.float64))[:, None]  # (n, 1, 8, 8)
    big = F.interpolate(x, size=(20, 20), mode="bilinear", align_corners=False)  # (n,1,20,20)
    return F.pad(big, (4, 4, 4, 4))[:, 0].numpy()  # (n, 28, 28): MNIST's 4-pixel border


def target_data(target: str = "mnist59", n_per_class: int | None = None,
                seed: int = 0) -> tuple[Split, Split]:
    """A target task: ``n_per_class`` labelled training images per class, and a fixed test set.

    Args:
        target: "mnist59" (MNIST 5-9 as classes 0-4; 100 test images per class) or
            "digits28" (all ten sklearn digits, rescaled; 50 test images per class).
        n_per_class: labels per class drawn from the pool (None: the whole pool).
        seed: which images are drawn.

    Returns:
        ``((x_train, y_train), (x_test, y_test))``, images (n, 1, 28, 28) float32.
    """
    check_choice(target, "target", TARGETS)
    if target == "mnist59":
        x, y = load_mnist_subset(flatten=False, normalize=True)
        classes, n_test = (5, 6, 7, 8, 9), 100  # type: tuple[int, ...], int
    else:
        x8, y = load_digits(flatten=False, normalize=True)
        x, classes, n_test = digits_to_28(x8), tuple(range(10)), 50
    pool, test = _split_per_class(y, classes, n_test)
    if n_per_class is not None:
        n_per_class = check_int(n_per_class, "n_per_class")
        rng = np.random.default_rng(seed)
        chosen = []
        for c in classes:
            of_class = pool[y[pool] == c]
            if n_per_class > len(of_class):
                raise ValueError(f"n_per_class={n_per_class} but class {c} has only "
                                 f"{len(of_class)} training images in {target}.")
            chosen.append(rng.choice(of_class, n_per_class, replace=False))
        pool = np.concatenate(chosen)
    return _tensors(x[pool], y[pool], classes), _tensors(x[test], y[test], classes)


def train_steps(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor,
                y: torch.Tensor, steps: int, batch_size: int = 32, seed: int = 0,
                frozen: nn.Module | None = None) -> list[float]:
    """``steps`` optimizer steps on random mini-batches (the same ones for the same seed).

    ``frozen`` (e.g. the backbone) is put back in eval mode after ``model.train()``.

    Returns:
        the loss of every step.
    """
    generator = torch.Generator().manual_seed(seed)
    loss_fn, losses = CrossEntropyLoss(), []
    size = min(batch_size, len(x))
    model.train()
    if frozen is not None:
        freeze(frozen)
    for _ in range(check_int(steps, "steps")):
        index = torch.randperm(len(x), generator=generator)[:size]  # (size,)
        loss, _ = train_step(model, loss_fn, optimizer, x[index], y[index])
        losses.append(loss)
    return losses


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of ``x`` classified correctly (eval mode; the model's mode is restored)."""
    was_training = model.training
    model.eval()
    correct = (model(x).argmax(dim=1) == y).float().mean().item()
    model.train(was_training)
    return float(correct)


def run_transfer(strategy: str, target: str = "mnist59", n_per_class: int = 10, seed: int = 0,
                 source: str = "mnist04", steps: int = 60, lr: float = 3e-3,
                 bn_train_when_frozen: bool = False) -> dict[str, Any]:
    """Train one strategy on one label budget and measure it on the target's test set.

    Args:
        strategy: one of :data:`STRATEGIES`.
        target: one of :data:`TARGETS`.
        n_per_class: labels per class.
        seed: data draw, head initialisation and batch order.
        source: the pretrained model to start from ("mnist04" or the "shuffled" control).
        steps: Adam steps.
        lr: learning rate (the backbone gets ``lr / 10`` in "lower_lr").
        bn_train_when_frozen: the mistake: leave batch norm in training mode in "frozen".

    Returns:
        ``{"accuracy": float, "model": the trained model, "losses": [...]}``.
    """
    check_choice(strategy, "strategy", STRATEGIES)
    torch.manual_seed(seed)
    (x, y), (x_test, y_test) = target_data(target, n_per_class, seed)
    classes = int(y_test.max()) + 1
    if strategy == "scratch":
        model = small_cnn(classes, seed=1000 + seed)
    else:
        model = replace_head(load_pretrained(source)[0], classes, seed=seed)
    frozen = None
    if strategy == "frozen":
        frozen = backbone(model)
        for p in frozen.parameters():
            p.requires_grad_(False)
        optimizer = Adam(head(model).parameters(), lr=lr)
        if not bn_train_when_frozen:
            freeze(frozen)
        else:
            frozen = None  # the mistake: model.train() leaves batch norm updating its stats
    elif strategy == "lower_lr":
        optimizer = Adam(param_groups(model, lr, 0.1))
    else:
        optimizer = Adam(model.parameters(), lr=lr)
    losses = train_steps(model, optimizer, x, y, steps, seed=seed, frozen=frozen)
    return {"accuracy": accuracy(model, x_test, y_test), "model": model, "losses": losses,
            "steps": steps, "n_train": len(x), "epochs": math.ceil(steps * min(32, len(x))
                                                                  / len(x))}


def source_accuracy_after(model: Sequential, source: str = "mnist04") -> float:
    """Forgetting: accuracy on digits 0-4 of ``model``'s backbone under the source's old head.

    The backbone may have moved during fine-tuning (weights, batch-norm statistics); the
    original head reads its features as it did before. A backbone that stayed frozen keeps
    the source accuracy exactly.
    """
    original, _ = load_pretrained(source)
    (_, _), (x_test, y_test) = source_data()
    probe = Sequential(*list(backbone(model)), head(original))
    return accuracy(probe, x_test, y_test)
