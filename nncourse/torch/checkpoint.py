"""Save a training run to one file and resume it later as if it had never stopped.

A checkpoint holds the model's ``state_dict``, the optimizer's (its moment
estimates and step counts matter as much as the weights), the number of
finished epochs, the history so far, the schedule and gradient-scaler states
and every random state (so dropout draws the same masks after resuming).
It is written to a temporary file first and then renamed, so a crash while
saving never leaves a half-written checkpoint behind.

:class:`Checkpointer` is what :func:`nncourse.torch.fit` uses: it resumes a run from
the file and saves after every ``every`` epochs (on rank 0 only under DDP).

Example:
    >>> save_checkpoint("run.pt", model, optimizer, epoch=2)
    >>> state = load_checkpoint("run.pt", model, optimizer)
    >>> state["epoch"]
    2
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nncourse.torch.reproducibility import get_rng_state, set_rng_state

__all__ = ["FORMAT", "save_checkpoint", "load_checkpoint", "unwrap_model", "Checkpointer"]

FORMAT = "nncourse-checkpoint-1"


def unwrap_model(model: nn.Module) -> nn.Module:
    """The plain model inside a DistributedDataParallel (or compiled) wrapper."""
    while hasattr(model, "module") and isinstance(model.module, nn.Module):
        model = model.module
    inner = getattr(model, "_orig_mod", None)  # torch.compile wrapper
    return inner if isinstance(inner, nn.Module) else model


def save_checkpoint(path: str | os.PathLike, model: nn.Module,
                    optimizer: torch.optim.Optimizer | None = None, epoch: int = 0,
                    history: Any = None, scheduler: Any = None, scaler: Any = None,
                    extra: dict[str, Any] | None = None) -> Path:
    """Write model, optimizer, epoch, history, schedule, scaler and random states to ``path``.

    Args:
        path: file to write (parent folders are created).
        model: the model (a DDP wrapper is unwrapped, so keys have no "module." prefix).
        optimizer: its state_dict is saved too.
        epoch: how many epochs are finished.
        history: a :class:`~nncourse.numpy.training.History` (or None).
        scheduler, scaler: anything with ``state_dict()`` (or None).
        extra: more plain values to store.

    Returns:
        the path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "epoch": int(epoch),
        "model": unwrap_model(model).state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "scaler": scaler.state_dict() if scaler is not None else None,
        "rng": get_rng_state(),
        "extra": dict(extra or {}),
    }
    if history is not None:
        payload["history"] = {"history": history.history, "epoch": list(history.epoch),
                              "stopped_reason": history.stopped_reason}
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic on POSIX and Windows: never a half-written checkpoint
    return path


def load_checkpoint(path: str | os.PathLike, model: nn.Module,
                    optimizer: torch.optim.Optimizer | None = None, scheduler: Any = None,
                    scaler: Any = None, restore_rng: bool = True,
                    map_location: str | torch.device | None = None) -> dict[str, Any]:
    """Load a checkpoint written by :func:`save_checkpoint` into the given objects.

    Args:
        path: the checkpoint file.
        model: a model of the same architecture (weights are copied in).
        optimizer, scheduler, scaler: restored when given and present in the file.
        restore_rng: also restore the random states saved with it.
        map_location: where to load tensors (default: the model's device).

    Returns:
        the whole checkpoint dict (``"epoch"``, ``"history"``, ``"extra"``, ...).

    Raises:
        FileNotFoundError, ValueError: a missing file or one that is not a checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train with "
                                f"checkpoint_path={str(path)!r} first, or check the path.")
    inner = unwrap_model(model)
    if map_location is None:
        first = next(iter(inner.parameters()), None)
        map_location = first.device if first is not None else "cpu"
    # weights_only: the file holds tensors and plain values only, never code to run.
    state = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not an nncourse checkpoint (expected format {FORMAT!r}). "
                         "For a bare state_dict use model.load_state_dict(torch.load(path)).")
    try:
        inner.load_state_dict(state["model"])
    except RuntimeError as error:
        raise ValueError(f"The checkpoint's weights do not fit this model ({error}). Build the "
                         "same architecture that was saved.") from error
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None and state.get("scheduler") is not None:
        scheduler.load_state_dict(state["scheduler"])
    if scaler is not None and state.get("scaler") is not None:
        scaler.load_state_dict(state["scaler"])
    if restore_rng and state.get("rng"):
        set_rng_state(state["rng"])
    return state


class Checkpointer:
    """Resume a run from ``path`` and save it there after every ``every`` epochs.

    Args:
        path: the checkpoint file, or None (then both methods do nothing).
        model, optimizer, scheduler, scaler: what is saved and restored.
        every: save after epochs ``every``, ``2 * every``, ..., the last one and a stop.
        enabled: False on every DDP process but rank 0 (one writer).

    Example:
        >>> checkpoints = Checkpointer("run.pt", model, optimizer)
        >>> start = checkpoints.resume(history)         # 0 when there is no file yet
        >>> checkpoints.on_epoch_end(epoch, epochs, history, stop=False)
    """

    def __init__(self, path: str | os.PathLike | None, model: nn.Module,
                 optimizer: torch.optim.Optimizer, scheduler: Any = None, scaler: Any = None,
                 every: int = 1, enabled: bool = True) -> None:
        self.path = Path(path) if path is not None else None
        self.model, self.optimizer, self.scheduler, self.scaler = model, optimizer, scheduler, \
            scaler
        self.every, self.enabled = every, enabled

    def resume(self, history: Any) -> int:
        """Load the file if it exists (weights, optimizer, schedule, random states, history).

        Returns:
            the number of epochs already done (0 without a file).
        """
        if self.path is None or not self.path.is_file():
            return 0
        state = load_checkpoint(self.path, self.model, self.optimizer, self.scheduler,
                                self.scaler)
        saved = state.get("history") or {}
        history.history = {k: list(v) for k, v in saved.get("history", {}).items()}
        history.epoch = list(saved.get("epoch", []))
        return int(state["epoch"])

    def on_epoch_end(self, epoch: int, epochs: int, history: Any, stop: bool) -> None:
        """Save after epoch ``epoch`` (0-based) if it is due, the last one, or a stop."""
        due = (epoch + 1) % self.every == 0 or epoch + 1 == epochs or stop
        if self.path is not None and self.enabled and due:
            save_checkpoint(self.path, self.model, self.optimizer, epoch + 1, history,
                            self.scheduler, self.scaler)
