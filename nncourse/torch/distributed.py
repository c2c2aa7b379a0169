"""Training on several processes with PyTorch's DistributedDataParallel (DDP).

Launch the same script once per GPU (or per CPU process) with ``torchrun``::

    torchrun --standalone --nproc_per_node 2 train.py

Each process reads its ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` from the
environment torchrun sets, joins a process group (NCCL on GPUs, gloo on
CPUs), trains on its own shard of every epoch (:func:`nncourse.torch.data.epoch_order`)
and DDP averages the gradients across processes during ``backward``. Every process
therefore ends each step with the same weights. ``batch_size`` is per process:
the global batch is ``batch_size * world_size``.

Which backend (:func:`choose_backend`): NCCL needs one GPU per process on each
machine. With more processes than GPUs (two processes on a one-GPU laptop or Colab)
and no backend asked for, the processes train on the CPU with gloo and a warning
says so; asking for ``backend="nccl"`` in that case raises a ``RuntimeError`` that
names both numbers and the fix. Nothing ever reaches ``torch.cuda.set_device`` with
a GPU index that does not exist.

:func:`nncourse.torch.fit` calls these by itself when it runs under torchrun:
:func:`session` joins (and later leaves) the group, :func:`wrap_model` wraps the
model, :func:`average_over_processes` turns per-process loss sums into the global mean and
:func:`gather_over_processes` collects every process's predictions, so that a metric such as F1
is computed once on all samples (a mean of per-process F1s is not the F1 of the whole).

Example:
    >>> info = setup_distributed()              # under torchrun
    >>> history = fit(model, ..., batch_size=32)  # 32 per process
    >>> cleanup_distributed()
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

__all__ = ["DistributedInfo", "launched_by_torchrun", "is_distributed", "distributed_info",
           "choose_backend", "setup_distributed", "cleanup_distributed", "session",
           "wrap_model", "all_reduce_sum", "average_over_processes", "gather_over_processes"]


@dataclass(frozen=True)
class DistributedInfo:
    """Where this process stands: ``rank`` of ``world_size``, its ``local_rank`` and device."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that prints, plots and saves checkpoints."""
        return self.rank == 0


def launched_by_torchrun() -> bool:
    """True when the environment says this is one of several processes started by torchrun."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 and "RANK" in os.environ


def is_distributed() -> bool:
    """True when a process group is initialized (``torch.distributed`` is in use)."""
    return dist.is_available() and dist.is_initialized()


def distributed_info() -> DistributedInfo:
    """Rank, world size, local rank and device of this process (world size 1 if not DDP)."""
    if not is_distributed():
        return DistributedInfo()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    nccl = dist.get_backend() == "nccl"
    device = torch.device("cuda", local_rank) if nccl else torch.device("cpu")
    return DistributedInfo(dist.get_rank(), dist.get_world_size(), local_rank, device)


def choose_backend(backend: str | None, processes: int, local_rank: int) -> str:
    """The process-group backend for ``processes`` processes on this machine.

    Args:
        backend: None (choose), "nccl" or "gloo".
        processes: processes started on this machine (torchrun's ``LOCAL_WORLD_SIZE``).
        local_rank: this process's index on the machine.

    Returns:
        "nccl" when CUDA is available with at least one GPU per process, else "gloo"
        (with a warning if GPUs exist but are too few).

    Raises:
        ValueError: an unknown backend.
        RuntimeError: "nccl" asked for without CUDA, or with fewer GPUs than processes.

    Example:
        >>> choose_backend("gloo", processes=2, local_rank=1)
        'gloo'
    """
    if backend not in (None, "nccl", "gloo"):
        raise ValueError(f"Unknown backend {backend!r}. Expected 'nccl' (GPUs), 'gloo' (CPU) "
                         "or None to choose.")
    if backend == "gloo":
        return backend
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    enough = gpus >= processes and local_rank < gpus
    if backend == "nccl" and not enough:
        raise RuntimeError(
            f"backend='nccl' needs one GPU per process, but {processes} processes were started "
            f"on a machine with {gpus} GPU(s). Start at most {gpus} process(es) "
            f"(torchrun --nproc_per_node {max(gpus, 1)}), or train on the CPU with "
            "backend='gloo' (device='cpu').")
    if backend is None and not enough:
        if gpus:
            warnings.warn(
                f"{processes} processes but only {gpus} GPU(s) on this machine: NCCL needs one "
                "GPU per process, so training runs on the CPU with the gloo backend. Start "
                f"torchrun --nproc_per_node {gpus} to train on the GPU(s).",
                UserWarning, stacklevel=3)
        return "gloo"
    return "nccl"


def setup_distributed(backend: str | None = None) -> DistributedInfo:
    """Join the process group torchrun prepared; pin this process to its GPU (NCCL only).

    Args:
        backend: "nccl" or "gloo"; None lets :func:`choose_backend` decide.

    Returns:
        this process's :class:`DistributedInfo`.

    Raises:
        RuntimeError: not started by torchrun (the rendezvous variables are missing), or
            NCCL asked for with fewer GPUs than processes.

    Example:
        >>> info = setup_distributed("gloo")      # in a script run with torchrun
    """
    if is_distributed():
        return distributed_info()
    missing = [v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
               if v not in os.environ]
    if missing:
        raise RuntimeError(
            f"setup_distributed needs the variables torchrun sets; missing {missing}. Start the "
            "script with: torchrun --standalone --nproc_per_node <N> script.py"
        )
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    processes = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"]))
    backend = choose_backend(backend, processes, local_rank)
    if backend == "nccl":
        torch.cuda.set_device(local_rank)  # one GPU per process (checked above)
    dist.init_process_group(backend=backend)
    return distributed_info()


def cleanup_distributed() -> None:
    """Leave the process group (call once at the end of a distributed script)."""
    if is_distributed():
        dist.destroy_process_group()


@contextmanager
def session(device: str | torch.device | None = None) -> Iterator[DistributedInfo]:
    """Within the block, be part of torchrun's process group (if launched by torchrun).

    Joins the group when torchrun started this process and no group exists yet (gloo
    when ``device`` is the CPU), and leaves it at the end; a group that already existed
    is left alone. Outside torchrun it yields the single-process info.

    Example:
        >>> with session("cpu") as info:
        ...     info.world_size
        1
    """
    owns = launched_by_torchrun() and not is_distributed()
    if owns:
        on_cpu = device is not None and torch.device(str(device)).type == "cpu"
        setup_distributed("gloo" if on_cpu else None)
    try:
        yield distributed_info()
    finally:
        if owns:
            cleanup_distributed()


def wrap_model(model: nn.Module, info: DistributedInfo) -> nn.Module:
    """``DistributedDataParallel(model)`` with several processes, else the model itself.

    DDP averages the gradients across processes inside ``backward()``.

    Example:
        >>> model = torch.nn.Linear(2, 1)
        >>> wrap_model(model, DistributedInfo()) is model      # one process: unchanged
        True
    """
    if info.world_size == 1:
        return model
    ids = [info.device.index] if info.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=ids)


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sum a tensor over every process (returned in place); identity when not distributed."""
    if is_distributed():
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def average_over_processes(total: torch.Tensor, count: int) -> float:
    """Mean loss over every process's samples: one all_reduce, one host sync per call.

    ``sum over processes of total / sum over processes of count``.

    Args:
        total: 0-d tensor, this process's sum of per-sample losses (on its device).
        count: this process's number of samples.

    Returns:
        the mean loss over all processes; without DDP ``total / count``.

    Example:
        >>> average_over_processes(torch.tensor(6.0), 3)
        2.0
    """
    # [loss sum, sample count]: one vector, one all_reduce, one copy to the host.
    total = total.float() if total.dtype in (torch.float16, torch.bfloat16) else total
    loss_sum, samples = all_reduce_sum(torch.stack([total, total.new_tensor(float(count))])
                                       ).tolist()
    return loss_sum / samples


def gather_over_processes(values: np.ndarray) -> np.ndarray:
    """Every process's rows, concatenated in rank order (axis 0); ``values`` when not DDP.

    Metrics are computed on the gathered predictions and targets, which gives what reducing
    the confusion counts then computing gives: the metric of all samples. A mean of
    per-process precision, recall or F1 would not be (each is a ratio of counts).

    Example:
        >>> gather_over_processes(np.array([1, 2])).tolist()     # one process
        [1, 2]
    """
    if not is_distributed():
        return values
    pieces: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(pieces, values)
    return np.concatenate(pieces, axis=0)
