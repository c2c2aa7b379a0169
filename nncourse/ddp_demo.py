"""Two processes, one model: DistributedDataParallel on the CPU with gloo, for the lab.

Run under PyTorch's launcher, each process trains the same seeded float64 MLP with
:func:`nncourse.torch.fit` on its half of every batch; DDP averages the gradients, so both
processes hold the same weights after every step, equal to one process training on the
whole (global) batch::

    torchrun --standalone --nproc_per_node 2 -m nncourse.ddp_demo OUT_DIR

Each process writes ``OUT_DIR/rank<r>.pt`` (weights, history, world size);
:func:`load_results` reads them back and :func:`train` is the single-process run to compare.

Example:
    >>> model, history = train(batch_size=2 * RECIPE["per_process_batch"])
    >>> len(history.history["loss"]) == RECIPE["epochs"]
    True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import torch

#: The run the two processes and the single-process comparison share.
RECIPE: dict[str, Any] = {"n": 128, "features": 6, "classes": 3, "hidden": 16, "epochs": 2,
          "per_process_batch": 8, "lr": 0.1, "momentum": 0.9, "seed": 3}


def demo_data(seed: int = RECIPE["seed"]) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs: x (n, features) float64, y (n,) int64 labels (same in every process)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(RECIPE["classes"], RECIPE["features"]))
    y = rng.integers(0, RECIPE["classes"], size=RECIPE["n"])
    return centers[y] + rng.normal(size=(RECIPE["n"], RECIPE["features"])), y.astype(np.int64)


def demo_model(seed: int = RECIPE["seed"]) -> torch.nn.Module:
    """Linear -> ReLU -> Linear in float64, weights drawn with ``seed``."""
    from nncourse.torch import Linear, ReLU, Sequential

    return Sequential(Linear(RECIPE["features"], RECIPE["hidden"], seed=seed,
                             dtype=torch.float64), ReLU(),
                      Linear(RECIPE["hidden"], RECIPE["classes"], seed=seed + 1,
                             dtype=torch.float64))


def train(batch_size: int) -> tuple[torch.nn.Module, Any]:
    """Train the recipe with ``batch_size`` per process on the CPU; return (model, History).

    Under torchrun, ``fit`` wraps the model in DDP and gives each process its share of
    every epoch; alone, it is ordinary training.
    """
    from nncourse.torch import SGD, CrossEntropyLoss, fit

    x, y = demo_data()
    model = demo_model()
    optimizer = SGD(model.parameters(), lr=RECIPE["lr"], momentum=RECIPE["momentum"])
    history = fit(model, CrossEntropyLoss(), optimizer, x, y, epochs=RECIPE["epochs"],
                  batch_size=batch_size, seed=RECIPE["seed"], device="cpu")
    return model, history


def load_results(out_dir: str | os.PathLike) -> list[dict[str, Any]]:
    """The ``rank<r>.pt`` files a torchrun of this module wrote, in rank order."""
    files = sorted(Path(out_dir).glob("rank*.pt"))
    if not files:
        raise FileNotFoundError(f"No rank*.pt files in {out_dir}: run "
                                f"`torchrun --standalone --nproc_per_node 2 -m nncourse.ddp_demo "
                                f"{out_dir}` first.")
    return [torch.load(f, weights_only=True) for f in files]


def main(out_dir: str) -> None:
    """One process of the demo: join the gloo group, train, save this rank's result."""
    from nncourse.torch.distributed import cleanup_distributed, setup_distributed

    torch.set_num_threads(1)
    info = setup_distributed(backend="gloo")  # the CPU backend, whatever GPUs exist
    model, history = train(RECIPE["per_process_batch"])
    cleanup_distributed()
    torch.save({"state": model.state_dict(), "history": history.history,
                "world_size": info.world_size, "rank": info.rank},
               Path(out_dir) / f"rank{info.rank}.pt")


if __name__ == "__main__":
    main(sys.argv[1])
