"""Helpers shared by the tests of nncourse.torch (not a conftest: imported explicitly)."""

from __future__ import annotations

import socket

import numpy as np
import torch

from nncourse.torch.layers import Linear, ReLU, Sequential, Tanh

# The tests use tiny tensors: extra intra-op threads only add contention when several
# test processes share a few cores, so every test process that imports this uses one.
torch.set_num_threads(1)


def free_port() -> int:
    """A TCP port that was free a moment ago (for a torchrun rendezvous)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def blobs(n: int = 256, features: int = 6, classes: int = 3,
          seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Separable Gaussian blobs: x (n, features) float64, y (n,) int64 labels."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centers[y] + rng.normal(size=(n, features))
    return x, y.astype(np.int64)


def small_mlp(features: int = 6, hidden: int = 16, classes: int = 3, seed: int = 0,
              dtype: torch.dtype = torch.float32, activation: type = ReLU) -> Sequential:
    """Linear -> activation -> Linear, seeded."""
    return Sequential(Linear(features, hidden, seed=seed, dtype=dtype), activation(),
                      Linear(hidden, classes, seed=seed + 1, dtype=dtype))


def tanh_mlp(seed: int = 0, dtype: torch.dtype = torch.float64) -> Sequential:
    """A smooth MLP (tanh) for optimizer comparisons."""
    return small_mlp(4, 8, 3, seed=seed, dtype=dtype, activation=Tanh)


def max_abs_diff(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> float:
    """Largest absolute difference between two state dicts with the same keys."""
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a)
