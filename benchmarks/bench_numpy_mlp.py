"""One epoch of the MNIST MLP (784-128-10, ReLU, Adam, cross-entropy): three implementations.

(a) nncourse.numpy: Sequential + Adam through ``fit`` (the loop every chapter uses);
(b) a hand-fused NumPy loop -- all math inline, buffers preallocated: the floor;
(c) torch.nn on the CPU with the same number of threads as NumPy's BLAS.

All three run in float32 on the 5000-image MNIST subset with the same batch order.
Each is repeated and the median time is reported, with ratios measured in this run.

Run: ``python -m benchmarks numpy_mlp``. The thread count defaults to NumPy's BLAS
threads; set ``NNCOURSE_BENCH_THREADS=1`` on a busy shared machine, where
oversubscribed BLAS threads make every timing noisy.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

DTYPE = np.float32
BATCH_SIZES = (32, 128, 512)
REPEATS = 5
SEED = 0


def _blas_threads() -> int:
    import os

    if os.environ.get("NNCOURSE_BENCH_THREADS"):
        return int(os.environ["NNCOURSE_BENCH_THREADS"])
    try:
        from threadpoolctl import threadpool_info

        counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
        if counts:
            return int(max(counts))
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        pass
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def _data() -> tuple[np.ndarray, np.ndarray]:
    from nncourse.datasets import load_mnist_subset

    X, y = load_mnist_subset(flatten=True, normalize=True)
    return X.astype(DTYPE), y


def _initial_weights() -> dict[str, np.ndarray]:
    """The recipe's initial weights (float32), shared by all three implementations."""
    from nncourse.recipes import build_mnist_mlp

    return {k: v.astype(DTYPE) for k, v in build_mnist_mlp(SEED).state_dict().items()}


def run_nncourse(X: np.ndarray, y: np.ndarray, batch_size: int, weights: dict) -> float:
    """(a) One epoch with nncourse.numpy's fit; returns seconds."""
    from nncourse.numpy.layers import Linear, ReLU, Sequential
    from nncourse.numpy.losses import CrossEntropyLoss
    from nncourse.numpy.optim import Adam
    from nncourse.numpy.training import fit

    # Flatten is a no-op on (N, 784) input; the recipe's Flatten is left out so names line up.
    model = Sequential(Linear(784, 128, dtype=DTYPE), ReLU(), Linear(128, 10, dtype=DTYPE))
    model.load_state_dict(dict(zip(("0.weight", "0.bias", "2.weight", "2.bias"),
                                   weights.values(), strict=True)))
    optimizer = Adam(model.parameters(), lr=1e-3)
    start = time.perf_counter()
    fit(model, CrossEntropyLoss(), optimizer, X, y, epochs=1, batch_size=batch_size,
        metrics=(), seed=SEED)
    return time.perf_counter() - start


def run_fused(X: np.ndarray, y: np.ndarray, batch_size: int, weights: dict) -> float:
    """(b) The same epoch with every operation written inline; returns seconds."""
    W1, b1, W2, b2 = (w.copy() for w in weights.values())
    params = [W1, b1, W2, b2]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    scratch = [np.empty_like(p) for p in params]
    lr, beta1, beta2, eps = 1e-3, 0.9, 0.999, 1e-8
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    order = rng.permutation(len(X))
    t = 0
    for i in range(0, len(X), batch_size):
        index = order[i:i + batch_size]
        xb, yb = X[index], y[index]
        rows = np.arange(len(index))
        h = xb @ W1.T  # (B, 784) @ (784, 128) -> (B, 128)
        h += b1
        np.maximum(h, 0, out=h)
        z = h @ W2.T  # (B, 128) @ (128, 10) -> (B, 10)
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)  # softmax probabilities
        _loss = -np.log(z[rows, yb]).mean()
        z[rows, yb] -= 1
        z /= len(index)  # dL/dlogits
        grads = [None, None, z.T @ h, z.sum(axis=0)]  # (10, B) @ (B, 128) -> (10, 128)
        dh = z @ W2  # (B, 10) @ (10, 128) -> (B, 128)
        dh *= h > 0
        grads[0] = dh.T @ xb  # (128, B) @ (B, 784) -> (128, 784)
        grads[1] = dh.sum(axis=0)
        t += 1
        step = lr / (1 - beta1**t)
        root_bias2 = np.sqrt(1 - beta2**t)
        for p, g, mk, vk, s in zip(params, grads, m, v, scratch, strict=True):
            mk *= beta1
            mk += (1 - beta1) * g
            vk *= beta2
            np.multiply(g, g, out=s)
            s *= 1 - beta2
            vk += s
            np.sqrt(vk, out=s)
            s /= root_bias2
            s += eps
            np.divide(mk, s, out=s)
            s *= step
            p -= s
    return time.perf_counter() - start


def run_torch(X: np.ndarray, y: np.ndarray, batch_size: int, weights: dict) -> float:
    """(c) The same epoch with torch.nn and torch.optim.Adam on the CPU; returns seconds."""
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    with torch.no_grad():
        for p, value in zip(model.parameters(), weights.values(), strict=True):
            p.copy_(torch.from_numpy(value))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    rng = np.random.default_rng(SEED)
    start = time.perf_counter()
    order = torch.from_numpy(rng.permutation(len(X)))
    for i in range(0, len(X), batch_size):
        index = order[i:i + batch_size]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X_t[index]), y_t[index])
        loss.backward()
        optimizer.step()
        _loss = loss.item()
    return time.perf_counter() - start


def measure(runs: dict[str, Callable], repeats: int = REPEATS) -> dict[tuple[str, int], float]:
    """Median seconds per (implementation, batch size); runs are interleaved to share noise."""
    X, y = _data()
    weights = _initial_weights()
    times: dict[tuple[str, int], list[float]] = {}
    for batch_size in BATCH_SIZES:
        for run in runs.values():
            run(X[:512], y[:512], batch_size, weights)  # warm-up (imports, allocator, BLAS)
        for _ in range(repeats):
            for name, run in runs.items():
                times.setdefault((name, batch_size), []).append(run(X, y, batch_size, weights))
    return {key: statistics.median(values) for key, values in times.items()}


def main() -> None:
    import torch
    from threadpoolctl import threadpool_limits

    threads = _blas_threads()
    torch.set_num_threads(threads)
    print(f"MLP 784-128-10, ReLU, Adam, cross-entropy; one epoch of 5000 MNIST images; "
          f"dtype float32; {threads} thread(s) for NumPy BLAS and torch; median of {REPEATS}.")
    with threadpool_limits(threads, user_api="blas"):  # NumPy uses exactly `threads` too
        medians = measure({"nncourse": run_nncourse, "fused": run_fused, "torch": run_torch})
    print(f"{'batch':>6} {'nncourse s':>11} {'fused s':>9} {'torch s':>9} "
          f"{'nn/fused':>9} {'nn/torch':>9}")
    for b in BATCH_SIZES:
        a, f, t = medians["nncourse", b], medians["fused", b], medians["torch", b]
        print(f"{b:>6} {a:>11.4f} {f:>9.4f} {t:>9.4f} {a / f:>9.2f} {a / t:>9.2f}")
    print("Targets at batch 128: nncourse <= 1.25x fused and <= 1.0x torch.")


if __name__ == "__main__":
    main()
