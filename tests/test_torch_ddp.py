"""DDP: two torchrun processes on gloo/CPU agree with each other and with one process;
the backend decision (NCCL only with a GPU per process) with faked GPU counts."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
from helpers_torch import free_port

HERE = Path(__file__).parent


@pytest.mark.skipif(not dist.is_available() or not dist.is_gloo_available(),
                    reason="torch.distributed with the gloo backend is not available")
@pytest.mark.timeout(300)
def test_two_process_ddp_equals_single_process_on_the_global_batch(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, OMP_NUM_THREADS="1",
               PYTHONPATH=os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    if sys.platform.startswith("linux"):
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")  # everything stays on this machine
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "1",
               "--nproc_per_node", "2", "--rdzv-backend", "c10d",
               "--rdzv-endpoint", f"127.0.0.1:{port}", "--max-restarts", "0",
               str(HERE / "ddp_worker.py"), str(tmp_path)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, f"torchrun failed:\n{done.stdout}\n{done.stderr}"

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert [r["world_size"] for r in ranks] == [2, 2]
    for key in ranks[0]["state"]:
        assert torch.equal(ranks[0]["state"][key], ranks[1]["state"][key]), key
    assert ranks[0]["history"] == ranks[1]["history"]  # metrics are reduced over processes

    sys.path.insert(0, str(HERE))
    from ddp_worker import RECIPE, train
    from helpers_torch import small_mlp

    single, history = train(2 * RECIPE["per_process_batch"])  # the same global batch
    start = small_mlp(dtype=torch.float64, seed=RECIPE["seed"]).state_dict()
    for key, value in single.state_dict().items():
        assert not torch.allclose(value, start[key])  # training moved the weights
        torch.testing.assert_close(ranks[0]["state"][key], value, rtol=0, atol=1e-9)
    # every metric is the global one: F1 of all samples, not a mean of the two shards' F1s
    for key in ("loss", "accuracy", "precision", "recall", "f1"):
        assert ranks[0]["history"][key] == pytest.approx(history.history[key], abs=1e-9), key


# --- which backend: the process-count / GPU-count decision, with fake GPU counts ---------------

def _fake_gpus(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)


@pytest.mark.parametrize(("gpus", "processes", "expected"),
                         [(0, 2, "gloo"), (2, 2, "nccl"), (4, 2, "nccl"), (1, 1, "nccl")])
def test_backend_is_nccl_only_with_a_gpu_per_process(monkeypatch, gpus, processes,
                                                     expected) -> None:
    _fake_gpus(monkeypatch, gpus)
    from nncourse.torch.distributed import choose_backend

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # enough GPUs (or none at all): no warning
        assert choose_backend(None, processes, processes - 1) == expected
    assert choose_backend("gloo", processes, 0) == "gloo"


def test_more_processes_than_gpus_falls_back_to_gloo_or_names_both_numbers(monkeypatch) -> None:
    from nncourse.torch.distributed import choose_backend

    _fake_gpus(monkeypatch, 1)
    with pytest.warns(UserWarning, match=r"2 processes but only 1 GPU.*gloo.*--nproc_per_node 1"):
        assert choose_backend(None, 2, 1) == "gloo"
    with pytest.raises(RuntimeError, match=r"2 processes .* 1 GPU\(s\).*--nproc_per_node 1.*"
                                           r"backend='gloo'"):
        choose_backend("nccl", 2, 1)
    _fake_gpus(monkeypatch, 0)
    with pytest.raises(RuntimeError, match=r"2 processes .* 0 GPU\(s\)"):
        choose_backend("nccl", 2, 0)
    with pytest.raises(ValueError, match="Unknown backend 'mpi'"):
        choose_backend("mpi", 2, 0)


def test_setup_never_pins_a_gpu_that_does_not_exist(monkeypatch) -> None:
    """Rank 1 of 2 on a one-GPU machine: the crash the H200 run hit (invalid device ordinal)."""
    import nncourse.torch.distributed as D

    _fake_gpus(monkeypatch, 1)
    pinned, joined = [], []
    monkeypatch.setattr(torch.cuda, "set_device", pinned.append)
    monkeypatch.setattr(D.dist, "init_process_group", lambda backend: joined.append(backend))
    monkeypatch.setattr(D, "is_distributed", lambda: False)
    for name, value in {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1",
                        "LOCAL_WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1",
                        "MASTER_PORT": "29500"}.items():
        monkeypatch.setenv(name, value)
    with pytest.warns(UserWarning, match="gloo"):
        D.setup_distributed()
    assert joined == ["gloo"] and pinned == []
    with pytest.raises(RuntimeError, match="2 processes"):
        D.setup_distributed("nccl")
    assert pinned == []


def test_average_over_processes_without_ddp_is_the_plain_mean() -> None:
    from nncourse.torch.distributed import (
        average_over_processes,
        distributed_info,
        gather_over_processes,
        wrap_model,
    )

    assert average_over_processes(torch.tensor(6.0, dtype=torch.float64), 4) == 1.5
    assert gather_over_processes(np.array([[1, 2]])).tolist() == [[1, 2]]
    model = torch.nn.Linear(2, 2)
    assert wrap_model(model, distributed_info()) is model


def test_session_joins_with_gloo_for_the_cpu_and_leaves_what_it_joined(monkeypatch) -> None:
    import nncourse.torch.distributed as D

    calls: list[str | None] = []
    monkeypatch.setattr(D, "launched_by_torchrun", lambda: True)
    monkeypatch.setattr(D, "is_distributed", lambda: False)
    monkeypatch.setattr(D, "setup_distributed", lambda backend=None: calls.append(backend))
    monkeypatch.setattr(D, "cleanup_distributed", lambda: calls.append("left"))
    for device, backend in (("cpu", "gloo"), (None, None), (torch.device("cpu"), "gloo")):
        calls.clear()
        with D.session(device) as info:
            assert calls == [backend] and info.world_size == 1
        assert calls == [backend, "left"]
    monkeypatch.setattr(D, "is_distributed", lambda: True)  # a group the caller made: kept
    monkeypatch.setattr(D, "distributed_info", lambda: D.DistributedInfo())
    calls.clear()
    with D.session("cpu"):
        pass
    assert calls == []
