"""Run by tests/test_torch_ddp.py under torchrun: train a few steps with DDP, save the weights.

Usage (what the test runs):
    python -m torch.distributed.run --standalone --nproc_per_node 2 tests/ddp_worker.py OUT_DIR

Each process joins the process group with the gloo backend, forced (the test checks
DDP on the CPU, the same on CPU-only and GPU machines), trains the same seeded float64
MLP with ``nncourse.torch.fit`` on the CPU (which wraps the model in
DistributedDataParallel and shards each epoch by rank), then writes its final weights
and history to ``OUT_DIR/rank<r>.pt``.
"""

from __future__ import annotations

import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from helpers_torch import blobs, small_mlp  # noqa: E402

from nncourse.torch import fit  # noqa: E402
from nncourse.torch.distributed import cleanup_distributed, setup_distributed  # noqa: E402
from nncourse.torch.losses import CrossEntropyLoss  # noqa: E402
from nncourse.torch.optim import SGD  # noqa: E402

#: The run both the DDP processes and the single-process reference use.
RECIPE = {"n": 64, "epochs": 2, "per_process_batch": 8, "lr": 0.1, "momentum": 0.9, "seed": 3}


def train(batch_size: int) -> tuple[torch.nn.Module, object]:
    """Train the recipe's model with ``batch_size`` per process; return (model, history)."""
    x, y = blobs(n=RECIPE["n"], seed=RECIPE["seed"])
    model = small_mlp(dtype=torch.float64, seed=RECIPE["seed"])
    optimizer = SGD(model.parameters(), lr=RECIPE["lr"], momentum=RECIPE["momentum"])
    history = fit(model, CrossEntropyLoss(), optimizer, x, y, epochs=RECIPE["epochs"],
                  batch_size=batch_size, seed=RECIPE["seed"], device="cpu",
                  metrics=("accuracy", "precision", "recall", "f1"))
    return model, history


def main(out_dir: str) -> None:
    rank = int(os.environ["RANK"])
    torch.set_num_threads(1)
    info = setup_distributed(backend="gloo")  # forced: never NCCL, whatever GPUs exist
    assert info.device.type == "cpu", info
    model, history = train(RECIPE["per_process_batch"])
    cleanup_distributed()
    torch.save({"state": model.state_dict(), "history": history.history,
                "world_size": int(os.environ["WORLD_SIZE"])},
               os.path.join(out_dir, f"rank{rank}.pt"))


if __name__ == "__main__":
    main(sys.argv[1])
