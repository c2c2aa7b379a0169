"""nncourse.torch ``fit`` against a plain hand-written PyTorch loop, measured in one run.

Both train the MNIST-subset MLP of :func:`nncourse.recipes.mnist_recipe`
(Flatten -> Linear(784, 128) -> ReLU -> Linear(128, 10), Adam 1e-3, batch 32)
for one epoch on the CPU in float32, from the same initial weights, on the same
data, with the same number of torch threads. The plain loop does what a
hand-written loop does: convert the arrays once, shuffle with ``randperm``,
slice batches, step, and track the loss and accuracy. ``fit`` adds the
DataLoader, the metric and callback bookkeeping and its checks; the target is
an overhead ratio (fit / plain, median of interleaved repeats) of at most 1.10.
Both wall-clock and process CPU time are measured; with one torch thread the
CPU-time ratio is the work each loop does and is not disturbed by other
programs competing for the cores, so it is the number held to the target (the
wall-clock ratio is printed beside it).

On a machine with a CUDA GPU it also reports training throughput (samples/s) of
``fit`` in float32 and with automatic mixed precision (``amp="auto"``).

Run it:
    python -m benchmarks torch_fit          # from the repository root
    python benchmarks/bench_torch_fit.py    # the same, directly
Options come from the environment: ``BENCH_REPEATS`` (default 7) and
``BENCH_THREADS`` (torch threads for both loops, default 1).
"""

from __future__ import annotations

import copy
import os
import statistics
import time

import numpy as np
import torch

from nncourse.recipes import MNIST_RECIPE, mnist_data
from nncourse.torch import fit
from nncourse.torch.layers import Flatten, Linear, ReLU, Sequential
from nncourse.torch.losses import CrossEntropyLoss
from nncourse.torch.optim import Adam


def build_model() -> torch.nn.Module:
    """The recipe's MLP on torch, float32, fixed initial weights."""
    hidden = MNIST_RECIPE["hidden"]
    return Sequential(Flatten(), Linear(784, hidden, seed=0), ReLU(), Linear(hidden, 10, seed=1))


def plain_epoch(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int,
                seed: int = 0) -> float:
    """One epoch of the hand-written loop; returns the mean training loss."""
    x_t = torch.as_tensor(x, dtype=torch.float32)  # (N, 28, 28)
    y_t = torch.as_tensor(y, dtype=torch.int64)
    loss_fn = CrossEntropyLoss()
    optimizer = Adam(model.parameters(), lr=MNIST_RECIPE["lr"])
    order = torch.randperm(len(x_t), generator=torch.Generator().manual_seed(seed))
    model.train()
    total, correct = 0.0, 0
    for start in range(0, len(x_t), batch_size):
        index = order[start:start + batch_size]
        xb, yb = x_t[index], y_t[index]
        output = model(xb)
        loss = loss_fn(output, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
        correct += int((output.argmax(dim=1) == yb).sum())
    return total / len(x_t)


def fit_epoch(model: torch.nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int,
              device: str = "cpu", amp: str | None = None, epochs: int = 1) -> float:
    """``epochs`` epochs of nncourse.torch.fit; returns the last mean training loss."""
    optimizer = Adam(model.parameters(), lr=MNIST_RECIPE["lr"])
    history = fit(model, CrossEntropyLoss(), optimizer, x, y, epochs=epochs,
                  batch_size=batch_size, device=device, amp=amp, seed=0)
    return history.history["loss"][-1]


def cpu_overhead(x: np.ndarray, y: np.ndarray, repeats: int, threads: int) -> dict[str, float]:
    """Median wall and CPU seconds per epoch of both loops (interleaved) and their ratios."""
    torch.set_num_threads(threads)
    batch_size = MNIST_RECIPE["batch_size"]
    initial = build_model().state_dict()
    times: dict[str, list[tuple[float, float]]] = {"plain": [], "fit": []}
    runs = {"plain": plain_epoch, "fit": fit_epoch}
    for repeat in range(repeats + 1):  # the first round warms up and is discarded
        for name, run in runs.items():
            model = build_model()
            model.load_state_dict(copy.deepcopy(initial))
            wall, cpu = time.perf_counter(), time.process_time()
            run(model, x, y, batch_size)
            if repeat:
                times[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    result = {}
    for name, values in times.items():
        result[f"{name}_wall_s"] = statistics.median(v[0] for v in values)
        result[f"{name}_cpu_s"] = statistics.median(v[1] for v in values)
    result["wall_ratio"] = result["fit_wall_s"] / result["plain_wall_s"]
    result["cpu_ratio"] = result["fit_cpu_s"] / result["plain_cpu_s"]
    return result


def cuda_throughput(x: np.ndarray, y: np.ndarray, batch_size: int = 256,
                    epochs: int = 3) -> dict[str, float]:
    """Training samples per second of fit on CUDA in float32 and with AMP."""
    result = {}
    for label, amp in (("fp32", None), ("amp", "auto")):
        fit_epoch(build_model(), x[:512], y[:512], batch_size, "cuda", amp)  # warm-up
        torch.cuda.synchronize()
        start = time.perf_counter()
        fit_epoch(build_model(), x, y, batch_size, "cuda", amp, epochs=epochs)
        torch.cuda.synchronize()
        result[label] = epochs * len(x) / (time.perf_counter() - start)
    return result


def main() -> dict[str, float]:
    """Print and return the CPU overhead ratio (and CUDA throughput when a GPU is present)."""
    repeats = int(os.environ.get("BENCH_REPEATS", "7"))
    threads = int(os.environ.get("BENCH_THREADS", "1"))
    (x, y), _ = mnist_data(seed=0)
    result = cpu_overhead(x, y, repeats, threads)
    print(f"MNIST-subset MLP, one epoch on CPU ({len(x)} samples, batch "
          f"{MNIST_RECIPE['batch_size']}, {threads} thread(s), median of {repeats}):")
    print("                          wall (ms)   CPU (ms)")
    for name, label in (("plain", "plain PyTorch loop"), ("fit", "nncourse.torch fit")):
        print(f"  {label:22s} {result[name + '_wall_s'] * 1000:9.1f}  "
              f"{result[name + '_cpu_s'] * 1000:9.1f}")
    print(f"  overhead ratio         {result['wall_ratio']:8.3f}x  {result['cpu_ratio']:8.3f}x"
          f"   (target <= 1.10x on CPU time)")
    if torch.cuda.is_available():
        cuda = cuda_throughput(x, y)
        result.update({f"cuda_{k}_samples_per_s": v for k, v in cuda.items()})
        print(f"CUDA ({torch.cuda.get_device_name()}), fit, batch 256:")
        print(f"  float32              {cuda['fp32']:10.0f} samples/s")
        print(f"  AMP (amp='auto')     {cuda['amp']:10.0f} samples/s")
    else:
        print("No CUDA GPU: skipping the float32 / AMP throughput comparison.")
    return result


if __name__ == "__main__":
    main()
