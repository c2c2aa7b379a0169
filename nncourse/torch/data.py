"""Feeding batches to the device: the whole data set on the device, or a pinned DataLoader.

Every epoch visits the samples in the order :func:`epoch_order` gives, a function of
``seed + epoch`` alone (the permutation ``torch.utils.data.DistributedSampler`` draws).
So a run resumed from a checkpoint sees the same batches as one that never stopped, and
one process with batch ``2B`` sees the same samples per step as two DDP processes with
batch ``B`` each.

Two ways to get a batch onto the device (:func:`make_batches` picks one):

- :class:`DeviceBatches`: when the training set fits (:func:`fits_on_device`), it is
  copied to the device once; each epoch copies one index vector there and every batch
  is a gather on the device (``x[order[i:i + B]]``). No DataLoader, no host copy per step,
  nothing that makes the CPU wait for the GPU. On the CPU this is the plain loop itself.
- :class:`LoaderBatches`: otherwise (or for a ``Dataset``), a ``DataLoader`` in pinned
  (page-locked) host memory, each batch copied with ``non_blocking=True`` so the copy
  overlaps the GPU's work.

Example:
    >>> batches = make_batches(x, y, batch_size=64, shuffle=True, seed=0,
    ...                        device=torch.device("cpu"))
    >>> batches.set_epoch(3)
    >>> for xb, yb in batches: ...
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler, Sampler

__all__ = ["to_tensor", "training_tensors", "TensorPairDataset", "epoch_order",
           "fits_on_device", "DeviceBatches", "LoaderBatches", "make_batches", "prepare_data"]

Pair = tuple[torch.Tensor, torch.Tensor]


def to_tensor(values: Any, dtype: torch.dtype, name: str) -> torch.Tensor:
    """A tensor from an array (a CPU tensor) or a tensor (left on its device).

    Floating and boolean data become ``dtype``; integer labels become int64.

    Example:
        >>> to_tensor(np.zeros((2, 3)), torch.float32, "x").dtype
        torch.float32
    """
    if isinstance(values, torch.Tensor):
        tensor = values
    else:
        array = np.asarray(values)
        if array.dtype == object or not (np.issubdtype(array.dtype, np.number)
                                         or array.dtype == bool):
            raise TypeError(f"{name} must be a numeric array; got dtype {array.dtype}. Convert "
                            f"it with np.asarray({name}, dtype=np.float32).")
        tensor = torch.as_tensor(array)
    if tensor.is_complex():
        raise TypeError(f"{name} must be real-valued; got {tensor.dtype}.")
    if tensor.is_floating_point() or tensor.dtype == torch.bool:
        return tensor.detach().to(dtype=dtype)
    return tensor.detach().to(dtype=torch.int64)


def training_tensors(x: Any, y: Any, dtype: torch.dtype, names: tuple[str, str] = ("x", "y"),
                     class_labels: bool = False) -> Pair:
    """Tensors from arrays, with the NumPy fit's checks (one cheap pass in torch).

    Args:
        x: (N, ...) inputs; y: (N, ...) targets. dtype: the model's floating dtype.
        names: what to call them in messages.
        class_labels: y holds class indices (CrossEntropyLoss): 1-D floats become int64.

    Raises:
        ValueError: different lengths, no samples, NaN/inf values, fractional labels.

    Example:
        >>> x, y = training_tensors(np.zeros((2, 3)), [0.0, 1.0], torch.float32,
        ...                         class_labels=True)
        >>> y.dtype
        torch.int64
    """
    x, y = to_tensor(x, dtype, names[0]), to_tensor(y, dtype, names[1])
    if class_labels and y.dim() == 1 and y.is_floating_point():
        if not torch.equal(y, y.round()):
            raise ValueError(f"{names[1]} holds class labels for CrossEntropyLoss, so it must "
                             "contain whole numbers; got fractional values.")
        y = y.long()
    if x.dim() == 0 or y.dim() == 0:
        raise ValueError(f"{names[0]} and {names[1]} must be arrays with one row per sample.")
    if len(x) != len(y):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of samples (first "
            f"dimension); got {len(x)} and {len(y)}. Check that inputs and labels line up.")
    if len(x) == 0:
        raise ValueError(f"{names[0]} is empty; fit needs at least one sample.")
    for name, tensor in zip(names, (x, y), strict=True):
        # A NaN or inf makes the sum non-finite: one cheap reduction; the exact (slower)
        # element-wise test runs only to confirm, since a huge sum may overflow.
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor.sum())) \
                and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).sum())
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s). Clean the data "
                             "(or check the preprocessing) before training.")
    return x, y


class TensorPairDataset(Dataset):
    """Inputs and targets as two tensors; indexing with a list returns a whole batch.

    Example:
        >>> data = TensorPairDataset(torch.zeros(5, 2), torch.zeros(5))
        >>> [t.shape for t in data[[0, 3]]]
        [torch.Size([2, 2]), torch.Size([2])]
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor) -> None:
        if len(x) != len(y):
            raise ValueError(f"x and y must have the same number of samples; got {len(x)} and "
                             f"{len(y)}. Check that inputs and labels line up.")
        self.x, self.y = x, y

    def __len__(self) -> int:
        return len(self.x)

    def __getitem__(self, index: Any) -> Pair:
        return self.x[index], self.y[index]  # B indices: (N, ...) -> (B, ...) in one gather


def epoch_order(n: int, epoch: int, seed: int = 0, shuffle: bool = True,
                world_size: int = 1, rank: int = 0) -> torch.Tensor:
    """The sample indices process ``rank`` visits in ``epoch`` (what DistributedSampler yields).

    The permutation is drawn from ``seed + epoch``; it is padded by repeating its start to
    a multiple of ``world_size`` and process ``rank`` takes every ``world_size``-th index.

    Returns:
        int64 CPU tensor of shape (ceil(n / world_size),).

    Example:
        >>> epoch_order(5, 0, shuffle=False, world_size=2, rank=1).tolist()
        [1, 3, 0]
    """
    if shuffle:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + epoch))
    else:
        order = torch.arange(n)
    total = math.ceil(n / world_size) * world_size
    if total > n:  # (n,) -> (total,): every process gets the same number of samples
        order = order.repeat(math.ceil(total / n))[:total]
    return order[rank:total:world_size]


def fits_on_device(nbytes: int, device: torch.device) -> bool:
    """Whether a data set of ``nbytes`` should live on ``device`` for the whole run.

    The CPU: always (the arrays are in memory already). CUDA: when it takes at most a
    quarter of the free memory (the rest is for the model, activations and optimizer).
    Other devices: up to 1 GiB.

    Example:
        >>> fits_on_device(10**9, torch.device("cpu"))
        True
    """
    if device.type == "cpu":
        return True
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return nbytes <= free // 4
    return nbytes <= 2**30


class DeviceBatches:
    """The whole training set on the device; each epoch a shuffled index, batches by gather.

    Args:
        x, y: (N, ...) tensors, moved to ``device`` once.
        batch_size: samples per batch (the last one may be smaller).
        shuffle, seed: the order of :func:`epoch_order`. world_size, rank: DDP sharding.
        device: where the data lives.

    Example:
        >>> batches = DeviceBatches(torch.zeros(5, 2), torch.arange(5), 2, False, 0,
        ...                         torch.device("cpu"))
        >>> [yb.tolist() for _, yb in batches]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, shuffle: bool,
                 seed: int, device: torch.device, world_size: int = 1, rank: int = 0) -> None:
        self.x, self.y = x.to(device), y.to(device)
        self.batch_size, self.shuffle, self.seed = batch_size, shuffle, seed
        self.world_size, self.rank, self.epoch = world_size, rank, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(math.ceil(len(self.x) / self.world_size) / self.batch_size)

    def __iter__(self) -> Iterator[Pair]:
        order = epoch_order(len(self.x), self.epoch, self.seed, self.shuffle, self.world_size,
                            self.rank).to(self.x.device, non_blocking=True)
        for start in range(0, len(order), self.batch_size):
            index = order[start:start + self.batch_size]  # (B,) on the device: no host sync
            yield self.x[index], self.y[index]


class _EpochBatchSampler(Sampler):
    """Yields :func:`epoch_order`'s indices ``batch_size`` at a time (one gather per batch)."""

    def __init__(self, n: int, batch_size: int, shuffle: bool, seed: int, world_size: int,
                 rank: int) -> None:
        self.n, self.batch_size, self.shuffle, self.seed = n, batch_size, shuffle, seed
        self.world_size, self.rank, self.epoch = world_size, rank, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return math.ceil(math.ceil(self.n / self.world_size) / self.batch_size)

    def __iter__(self) -> Iterator[torch.Tensor]:
        order = epoch_order(self.n, self.epoch, self.seed, self.shuffle, self.world_size,
                            self.rank)
        return iter(order.split(self.batch_size))


def _as_is(batch: Any) -> Any:
    return batch


class LoaderBatches:
    """A DataLoader in pinned host memory; each batch copied to the device without waiting.

    Args:
        dataset: a :class:`TensorPairDataset` (batched gathers) or any map-style Dataset.
        batch_size, shuffle, seed, world_size, rank: as :class:`DeviceBatches`.
        device: where batches go. num_workers: loader processes (0: this one).

    Example:
        >>> batches = LoaderBatches(TensorPairDataset(torch.zeros(5, 2), torch.arange(5)), 2,
        ...                         False, 0, torch.device("cpu"))
        >>> [yb.tolist() for _, yb in batches]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset: Dataset, batch_size: int, shuffle: bool, seed: int,
                 device: torch.device, world_size: int = 1, rank: int = 0,
                 num_workers: int = 0) -> None:
        self.device = device
        common: dict[str, Any] = {
            "pin_memory": device.type == "cuda", "num_workers": num_workers,
            "persistent_workers": num_workers > 0,
            "generator": torch.Generator().manual_seed(seed)}  # worker seeds
        if isinstance(dataset, TensorPairDataset):
            self.sampler: Any = _EpochBatchSampler(len(dataset), batch_size, shuffle, seed,
                                                   world_size, rank)
            # Each "sample" is a whole batch of indices; the dataset returns finished tensors.
            self.loader = DataLoader(dataset, sampler=self.sampler, batch_size=None,
                                     collate_fn=_as_is, **common)
        else:
            self.sampler = DistributedSampler(dataset, num_replicas=world_size, rank=rank,
                                              shuffle=shuffle, seed=seed, drop_last=False)
            self.loader = DataLoader(dataset, sampler=self.sampler, batch_size=batch_size,
                                     **common)

    def set_epoch(self, epoch: int) -> None:
        self.sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[Pair]:
        for xb, yb in self.loader:
            yield xb.to(self.device, non_blocking=True), yb.to(self.device, non_blocking=True)


def make_batches(x: Any, y: Any, batch_size: int, shuffle: bool, seed: int | None,
                 device: torch.device, world_size: int = 1, rank: int = 0,
                 on_device: bool | None = None, num_workers: int = 0) -> Any:
    """:class:`DeviceBatches` when the data fit on the device, else :class:`LoaderBatches`.

    Args:
        x, y: (N, ...) tensors (on any device), or a map-style Dataset with ``y=None``.
        batch_size, shuffle, seed, world_size, rank: as :class:`DeviceBatches`.
        device: the training device.
        on_device: True/False forces a path; None decides with :func:`fits_on_device`.
        num_workers: > 0 (or a Dataset) means the DataLoader path.

    Returns:
        an iterable of ``(x_batch, y_batch)`` on ``device`` with ``len()`` and ``set_epoch``.

    Example:
        >>> batches = make_batches(torch.zeros(5, 2), torch.arange(5), 2, True, 0,
        ...                        torch.device("cpu"))
        >>> type(batches).__name__, len(batches)
        ('DeviceBatches', 3)
    """
    seed = 0 if seed is None else int(seed)
    if y is None:  # a Dataset: only a DataLoader knows how to read it
        return LoaderBatches(x, batch_size, shuffle, seed, device, world_size, rank,
                             num_workers)
    nbytes = x.element_size() * x.nelement() + y.element_size() * y.nelement()
    if on_device is None:
        on_device = num_workers == 0 and fits_on_device(nbytes, device)
    if on_device:
        return DeviceBatches(x, y, batch_size, shuffle, seed, device, world_size, rank)
    return LoaderBatches(TensorPairDataset(x.cpu(), y.cpu()), batch_size, shuffle, seed, device,
                         world_size, rank, num_workers)


def prepare_data(x: Any, y: Any, validation_data: tuple | None, batch_size: int, shuffle: bool,
                 seed: int | None, device: torch.device, dtype: torch.dtype,
                 class_labels: bool, info: Any = None, on_device: bool | None = None,
                 num_workers: int = 0) -> tuple[Any, Pair | None]:
    """The training batches and the validation pair, checked and placed for ``fit``.

    Args:
        x, y: (N, ...) arrays or tensors, or a map-style Dataset with ``y=None``.
        validation_data: ``(x_val, y_val)`` or None; kept on the device when it fits.
        batch_size, shuffle, seed, device, on_device, num_workers: as :func:`make_batches`.
        dtype: the model's floating dtype. class_labels: as :func:`training_tensors`.
        info: a :class:`~nncourse.torch.distributed.DistributedInfo` (rank and world size).

    Returns:
        (batches from :func:`make_batches`, ``(x_val, y_val)`` tensors or None).

    Example:
        >>> batches, validation = prepare_data(np.zeros((5, 2)), np.arange(5), None, 2, True,
        ...                                    0, torch.device("cpu"), torch.float32, True)
        >>> len(batches), validation
        (3, None)
    """
    world_size, rank = (info.world_size, info.rank) if info is not None else (1, 0)
    if not (isinstance(x, Dataset) and y is None):
        x, y = training_tensors(x, y, dtype, ("x_train", "y_train"), class_labels)
    batches = make_batches(x, y, batch_size, shuffle, seed, device, world_size, rank,
                           on_device, num_workers)
    if validation_data is None:
        return batches, None
    x_val, y_val = training_tensors(*validation_data, dtype, ("x_val", "y_val"), class_labels)
    if on_device is not False and fits_on_device(x_val.nbytes + y_val.nbytes, device):
        x_val, y_val = x_val.to(device), y_val.to(device)
    return batches, (x_val, y_val)
