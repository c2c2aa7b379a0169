"""Training on several processes with PyTorch's DistributedDataParallel (DDP).

Launch the same script once per GPU (or per CPU process) with ``torchrun``::

    torchrun --standalone --nproc_per_node 2 train.py

Each process reads its ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` from the
environment torchrun sets, joins a process group (NCCL on GPUs, gloo on
CPUs), trains on its own shard of every epoch (a ``DistributedSampler``) and
DDP averages the gradients across processes during ``backward``. Every process
therefore ends each step with the same weights. ``batch_size`` is per process:
the global batch is ``batch_size * world_size``.

:class:`nncourse.torch.Trainer` does all of this by itself when it runs under
torchrun; these helpers are what it calls.

Example:
    >>> info = setup_distributed()              # under torchrun
    >>> history = fit(model, ..., batch_size=32)  # 32 per process
    >>> cleanup_distributed()
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

__all__ = ["DistributedInfo", "launched_by_torchrun", "is_distributed", "distributed_info",
           "setup_distributed", "cleanup_distributed", "all_reduce_sum"]


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


def _local_device(local_rank: int) -> torch.device:
    return torch.device("cuda", local_rank) if torch.cuda.is_available() else torch.device("cpu")


def distributed_info() -> DistributedInfo:
    """Rank, world size, local rank and device of this process (world size 1 if not DDP)."""
    if not is_distributed():
        return DistributedInfo()
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    device = _local_device(local_rank) if dist.get_backend() == "nccl" else torch.device("cpu")
    return DistributedInfo(dist.get_rank(), dist.get_world_size(), local_rank, device)


def setup_distributed(backend: str | None = None) -> DistributedInfo:
    """Join the process group torchrun prepared; pin this process to its GPU.

    Args:
        backend: "nccl" or "gloo"; default NCCL when CUDA is available, else gloo.

    Returns:
        this process's :class:`DistributedInfo`.

    Raises:
        RuntimeError: not started by torchrun (the rendezvous variables are missing).

    Example:
        >>> info = setup_distributed()      # in a script run with torchrun
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
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend not in ("nccl", "gloo"):
        raise ValueError(f"Unknown backend {backend!r}. Expected 'nccl' (GPUs) or 'gloo' (CPU).")
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if backend == "nccl":
        torch.cuda.set_device(local_rank)  # one GPU per process
    dist.init_process_group(backend=backend)
    return distributed_info()


def cleanup_distributed() -> None:
    """Leave the process group (call once at the end of a distributed script)."""
    if is_distributed():
        dist.destroy_process_group()


def all_reduce_sum(values: torch.Tensor) -> torch.Tensor:
    """Sum a tensor over every process (returned in place); identity when not distributed."""
    if is_distributed():
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values
