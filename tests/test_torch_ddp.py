"""DDP: two torchrun processes on gloo/CPU agree with each other and with one process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    for key in ("loss", "accuracy"):
        assert ranks[0]["history"][key] == pytest.approx(history.history[key], abs=1e-9)
