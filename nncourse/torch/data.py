"""From arrays to a ``torch.utils.data.DataLoader`` that feeds one process (or one of many).

The loader hands out whole batches: the sampler yields a tensor of indices and
the dataset answers with one gather (``x[indices]``), instead of collating
``batch_size`` separate samples, which costs a Python call per sample.
The order comes from a ``DistributedSampler`` in every case (with one replica when
training on one process): each epoch's permutation is a function of
``seed + epoch`` alone, so an interrupted run resumed from a checkpoint sees the
same batches as a run that never stopped, and one process with batch ``2B`` sees
the same batches as two DDP processes with batch ``B`` each.

Example:
    >>> loader = make_loader(TensorPairDataset(x, y), batch_size=64, shuffle=True, seed=0)
    >>> set_epoch(loader, 3)   # before iterating epoch 3
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler

__all__ = ["TensorPairDataset", "BatchedDistributedSampler", "to_tensor", "make_loader",
           "set_epoch"]


def to_tensor(values: Any, dtype: torch.dtype, name: str) -> torch.Tensor:
    """A CPU tensor from an array; floating data become ``dtype``, integer labels stay int64.

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
        return tensor.detach().to("cpu", dtype)
    return tensor.detach().to("cpu", torch.int64)


class TensorPairDataset(Dataset):
    """Inputs and targets as two tensors; indexing with a list returns a whole batch.

    Args:
        x: (N, ...) inputs. y: (N, ...) targets.

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

    def __getitem__(self, index: Any) -> tuple[torch.Tensor, torch.Tensor]:
        # With a list of B indices: (N, ...) -> (B, ...) in one gather.
        return self.x[index], self.y[index]


class BatchedDistributedSampler(DistributedSampler):
    """A ``DistributedSampler`` that yields this process's indices ``batch_size`` at a time.

    The indices (and so the split between processes) are exactly the parent's; they
    come as int64 tensors, so a batch is one tensor gather.

    Args:
        dataset: the data (only its length is used).
        batch_size: indices per batch; the last batch may be smaller.
        num_replicas, rank, shuffle, seed: as ``DistributedSampler``.

    Example:
        >>> sampler = BatchedDistributedSampler(range(5), 2, num_replicas=1, rank=0,
        ...                                     shuffle=False)
        >>> [b.tolist() for b in sampler]
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, dataset: Any, batch_size: int, num_replicas: int = 1, rank: int = 0,
                 shuffle: bool = True, seed: int = 0) -> None:
        super().__init__(dataset, num_replicas=num_replicas, rank=rank, shuffle=shuffle,
                         seed=seed, drop_last=False)
        self.batch_size = int(batch_size)

    def __iter__(self) -> Any:
        indices = torch.as_tensor(list(super().__iter__()), dtype=torch.int64)
        for start in range(0, len(indices), self.batch_size):
            yield indices[start:start + self.batch_size]

    def __len__(self) -> int:
        return -(-self.num_samples // self.batch_size)  # ceil division


def _as_is(batch: Any) -> Any:
    return batch


def make_loader(dataset: Dataset, batch_size: int, shuffle: bool, seed: int | None,
                num_replicas: int = 1, rank: int = 0, pin_memory: bool = False,
                num_workers: int = 0) -> DataLoader:
    """A DataLoader over ``dataset`` for process ``rank`` of ``num_replicas``.

    Args:
        dataset: a :class:`TensorPairDataset` (batched indexing) or any map-style Dataset.
        batch_size: samples per batch, per process.
        shuffle: a new order every epoch (call :func:`set_epoch` before each epoch).
        seed: the order is drawn from ``seed + epoch``.
        num_replicas, rank: the DDP world size and this process's rank.
        pin_memory: page-locked host memory for faster copies to a CUDA GPU.
        num_workers: background processes loading data (0: in this process).

    Returns:
        the DataLoader; ``len(loader)`` is the number of batches per epoch.
    """
    seed = 0 if seed is None else int(seed)
    generator = torch.Generator().manual_seed(seed)  # worker seeds, independent of global RNG
    common = {"pin_memory": pin_memory, "num_workers": num_workers, "generator": generator,
              "persistent_workers": num_workers > 0}
    if isinstance(dataset, TensorPairDataset):
        batches = BatchedDistributedSampler(dataset, batch_size, num_replicas, rank, shuffle, seed)
        # batch_size=None: each "sample" the sampler yields is already a batch of indices,
        # and the dataset returns finished (x, y) tensors: nothing left to collate.
        return DataLoader(dataset, sampler=batches, batch_size=None, collate_fn=_as_is,
                          **common)
    sampler = DistributedSampler(dataset, num_replicas=num_replicas, rank=rank,
                                 shuffle=shuffle, seed=seed, drop_last=False)
    return DataLoader(dataset, sampler=sampler, batch_size=batch_size, **common)


def set_epoch(loader: DataLoader, epoch: int) -> None:
    """Tell the loader's DistributedSampler which epoch starts (it picks the permutation)."""
    sampler = loader.sampler
    if isinstance(sampler, DistributedSampler):
        sampler.set_epoch(epoch)
