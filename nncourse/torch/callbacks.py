"""Callbacks for :func:`nncourse.torch.fit`: the NumPy callbacks, unchanged.

The hooks (``on_train_begin``, ``on_epoch_begin``, ``on_batch_end``,
``on_epoch_end``, ``on_train_end``) and the ``logs`` dicts are the same in both
backends, so :class:`EarlyStopping`, :class:`ProgressBar` and :class:`LivePlot`
from :mod:`nncourse.numpy.callbacks` serve both. One detail differs: a torch
``state_dict()`` returns the live tensors, not copies, so a snapshot taken for
"restore the best weights" would keep changing as training goes on. ``fit``
therefore gives callbacks a :class:`SnapshotModel`, whose ``state_dict()``
returns copies.

``on_batch_end`` needs the batch loss as a Python float, which makes the GPU
wait at every step; ``fit`` calls it only for callbacks that override it
(:func:`prepare_callbacks` sorts them out, and keeps the progress bar and the live
plot on the one DDP process that prints).

Example:
    >>> fit(model, loss_fn, opt, x, y, epochs=50, validation_data=(x_val, y_val),
    ...     callbacks=[EarlyStopping(patience=5), ProgressBar()])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from nncourse.numpy.callbacks import Callback, EarlyStopping, LivePlot, ProgressBar

__all__ = ["Callback", "EarlyStopping", "ProgressBar", "LivePlot", "SnapshotModel",
           "overrides_batch_end", "prepare_callbacks"]


class SnapshotModel:
    """The model as callbacks see it: everything delegates to it, except that
    ``state_dict()`` returns detached copies (safe to keep while training continues).

    Args:
        model: the (unwrapped) torch model.

    Example:
        >>> view = SnapshotModel(model)
        >>> best = view.state_dict()        # does not change when model trains on
        >>> view.load_state_dict(best)
    """

    def __init__(self, model: nn.Module) -> None:
        object.__setattr__(self, "module", model)

    def state_dict(self) -> dict[str, torch.Tensor]:
        return {k: v.detach().clone() for k, v in self.module.state_dict().items()}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> Any:
        return self.module.load_state_dict(state)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.module, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.module, name, value)

    def __repr__(self) -> str:
        return f"SnapshotModel({self.module!r})"


def overrides_batch_end(callback: Callback) -> bool:
    """True if the callback does something in ``on_batch_end`` (so the loss must be read)."""
    return type(callback).on_batch_end is not Callback.on_batch_end


def prepare_callbacks(callbacks: Sequence[Callback], model: nn.Module, optimizer: Any,
                      verbose: bool = False, is_main: bool = True
                      ) -> tuple[list[Callback], list[Callback]]:
    """Check and attach the callbacks for one ``fit``.

    Args:
        callbacks: Callback objects. model: the unwrapped model. optimizer: its optimizer.
        verbose: add a ProgressBar. is_main: False on DDP ranks > 0 (no bar, no plot).

    Returns:
        (all callbacks to call, those that override ``on_batch_end``).

    Raises:
        TypeError: something that is not a Callback.

    Example:
        >>> callbacks, per_batch = prepare_callbacks([EarlyStopping()], model, optimizer)
        >>> per_batch
        []
    """
    callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
    for cb in callbacks:
        if not isinstance(cb, Callback):
            raise TypeError(f"callbacks must be Callback objects; got {type(cb).__name__}.")
    if not is_main:  # only rank 0 draws
        callbacks = [cb for cb in callbacks if not isinstance(cb, (ProgressBar, LivePlot))]
    for cb in callbacks:
        cb.model, cb.optimizer = SnapshotModel(model), optimizer
        cb.stop_training, cb.stop_reason = False, None  # a flag left from an earlier fit
    return callbacks, [cb for cb in callbacks if overrides_batch_end(cb)]
