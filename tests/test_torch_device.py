"""Devices: choosing one, clear errors for wrong names, mismatched devices and shapes; CUDA/AMP."""

from __future__ import annotations

import warnings

import pytest
import torch
from helpers_torch import blobs, small_mlp

from nncourse.torch import fit, get_device, train_step
from nncourse.torch.device import VALID_DEVICES, check_same_device
from nncourse.torch.layers import Flatten, Linear, ReLU, Sequential
from nncourse.torch.losses import CrossEntropyLoss
from nncourse.torch.optim import SGD, Adam

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(),
                                reason="needs a CUDA GPU (none visible to PyTorch)")


def test_default_device_prefers_cuda_then_mps_then_cpu() -> None:
    device = get_device()
    if torch.cuda.is_available():
        assert device.type == "cuda"
    elif torch.backends.mps.is_available():
        assert device.type == "mps"
    else:
        assert device == torch.device("cpu")
    assert get_device(" CPU ") == torch.device("cpu")
    assert get_device(torch.device("cpu")) == torch.device("cpu")


def test_unknown_device_name_lists_the_valid_options() -> None:
    with pytest.raises(ValueError) as error:
        get_device("tpu")
    for name in VALID_DEVICES:
        assert name in str(error.value)
    with pytest.raises(TypeError, match="device must be"):
        get_device(0)
    x, y = blobs(n=16)
    model = small_mlp()
    with pytest.raises(ValueError, match="Valid options"):
        fit(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x, y, epochs=1,
            device="gpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message shown without CUDA")
def test_asking_for_missing_cuda_says_what_to_do() -> None:
    with pytest.raises(ValueError, match="no CUDA GPU is visible.*device='cpu'"):
        get_device("cuda")


def test_model_and_batch_on_different_devices_name_both_and_the_fix() -> None:
    # The "meta" device stands in for a GPU: a model there, data on the CPU.
    model = small_mlp().to("meta")
    x = torch.zeros(4, 6)
    with pytest.raises(ValueError, match=r"meta.*cpu.*\.to\("):
        model(x)
    with pytest.raises(ValueError, match=r"model is on meta but x_batch is on cpu.*\.to\('meta'\)"):
        train_step(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), x,
                   torch.zeros(4, dtype=torch.long))
    with pytest.raises(ValueError, match="y is on cpu"):
        check_same_device(torch.device("meta"), [torch.zeros(1, device="meta"), torch.zeros(1)])


def test_batch_shape_that_does_not_fit_the_first_layer() -> None:
    model = Sequential(Linear(784, 16, seed=0), ReLU(), Linear(16, 10, seed=1))
    with pytest.raises(ValueError, match=r"784.*\(8, 28, 28\).*Flatten\(\)"):
        model(torch.zeros(8, 28, 28))
    with pytest.raises(ValueError, match=r"expects input of shape \(batch, 784\); got \(8, 100\)"):
        model(torch.zeros(8, 100))
    images, labels = torch.rand(32, 28, 28).numpy(), torch.randint(0, 10, (32,)).numpy()
    with pytest.raises(ValueError, match="Flatten"):
        fit(model, CrossEntropyLoss(), Adam(model.parameters()), images, labels, epochs=1)
    flat = Sequential(Flatten(), model)
    history = fit(flat, CrossEntropyLoss(), Adam(flat.parameters()), images, labels, epochs=1)
    assert len(history.history["loss"]) == 1


def test_dtype_mismatch_says_how_to_convert() -> None:
    model = small_mlp()
    with pytest.raises(TypeError, match=r"torch.float32 weights.*torch.float64 input"):
        model(torch.zeros(2, 6, dtype=torch.float64))


def test_amp_without_cuda_is_switched_off_with_a_warning() -> None:
    if torch.cuda.is_available():
        pytest.skip("this checks the CPU fallback")
    x, y = blobs(n=64)
    model = small_mlp()
    with pytest.warns(UserWarning, match="only used on CUDA"):
        history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), x, y,
                      epochs=2, amp="fp16", device="cpu")
    assert history.history["loss"][-1] < history.history["loss"][0]
    with pytest.raises(ValueError, match="Unknown amp"):
        fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y, epochs=1, amp="int8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y, epochs=1, amp=None)


@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("amp", [None, "bf16", "fp16", "auto"])
def test_fit_on_cuda_with_and_without_amp(amp: str | None) -> None:
    x, y = blobs(n=512)
    model = small_mlp()
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), x, y, epochs=5,
                  batch_size=64, device="cuda", amp=amp, grad_clip_norm=1.0)
    assert next(model.parameters()).device.type == "cuda"
    assert next(model.parameters()).dtype == torch.float32  # weights stay in float32
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.cuda
@needs_cuda
def test_cuda_loader_pins_memory_and_fp16_uses_a_grad_scaler() -> None:
    from nncourse.torch.amp import MixedPrecision
    from nncourse.torch.data import LoaderBatches, make_batches

    x, y = torch.rand(128, 6), torch.randint(0, 3, (128,))
    cuda = torch.device("cuda")
    batches = make_batches(x, y, 32, True, 0, cuda, on_device=False)
    assert isinstance(batches, LoaderBatches) and batches.loader.pin_memory
    assert all(xb.device.type == "cuda" for xb, _ in batches)
    precision = MixedPrecision("fp16", cuda)
    assert precision.scaler is not None and precision.scaler.is_enabled()
    model = small_mlp()
    history = fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y, epochs=1,
                  batch_size=32, device="cuda", amp="fp16", data_on_device=False)
    assert len(history.history["loss"]) == 1


# --- feeding batches: the order, the device-resident path and the DataLoader path ------------

@pytest.mark.parametrize("n", [1, 5, 7, 8])
@pytest.mark.parametrize("world_size", [1, 2, 3])
@pytest.mark.parametrize("shuffle", [True, False])
def test_epoch_order_is_what_a_distributed_sampler_yields(n, world_size, shuffle) -> None:
    from torch.utils.data import DistributedSampler

    from nncourse.torch.data import epoch_order

    for rank in range(world_size):
        sampler = DistributedSampler(range(n), num_replicas=world_size, rank=rank,
                                     shuffle=shuffle, seed=4)
        sampler.set_epoch(2)
        assert epoch_order(n, 2, 4, shuffle, world_size, rank).tolist() == list(sampler)


@pytest.mark.parametrize("batch_size", [1, 3, 10, 11])
def test_device_batches_and_loader_batches_give_the_same_batches(batch_size: int) -> None:
    from nncourse.torch.data import DeviceBatches, LoaderBatches, make_batches

    x, y = torch.arange(20.0).reshape(10, 2), torch.arange(10)
    cpu = torch.device("cpu")
    resident = make_batches(x, y, batch_size, True, 1, cpu)
    loader = make_batches(x, y, batch_size, True, 1, cpu, on_device=False)
    assert isinstance(resident, DeviceBatches) and isinstance(loader, LoaderBatches)
    for epoch in (0, 1):
        resident.set_epoch(epoch)
        loader.set_epoch(epoch)
        a, b = list(resident), list(loader)
        assert len(a) == len(b) == len(resident) == len(loader) == -(-10 // batch_size)
        for (xa, ya), (xb, yb) in zip(a, b, strict=True):
            assert torch.equal(xa, xb) and torch.equal(ya, yb)
        seen = torch.cat([yb for _, yb in a])
        assert sorted(seen.tolist()) == list(range(10))  # every sample once, last batch short
        assert len(a[-1][1]) == 10 - batch_size * (len(a) - 1)
    resident.set_epoch(0)
    first = torch.cat([yb for _, yb in resident])
    resident.set_epoch(1)
    assert not torch.equal(first, torch.cat([yb for _, yb in resident]))  # a new order


def test_fit_with_data_on_the_device_equals_the_dataloader_path() -> None:
    x, y = blobs(n=100, seed=6)
    runs = []
    for on_device in (True, False):
        model = small_mlp()
        history = fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), x, y,
                      epochs=3, batch_size=16, validation_data=(x[:30], y[:30]),
                      device="cpu", data_on_device=on_device)
        runs.append((model.state_dict(), history.history))
    assert runs[0][1] == runs[1][1]
    for key, value in runs[0][0].items():
        assert torch.equal(value, runs[1][0][key]), key


def test_iterate_minibatches_covers_every_sample_once() -> None:
    from nncourse.torch.training import iterate_minibatches

    x, y = torch.arange(7.0).reshape(7, 1), torch.arange(7)
    for shuffle in (True, False):
        batches = list(iterate_minibatches(x, y, 3, shuffle=shuffle, rng=0))
        assert [len(b) for _, b in batches] == [3, 3, 1]
        assert sorted(torch.cat([b for _, b in batches]).tolist()) == list(range(7))
        assert all(torch.equal(xb[:, 0].long(), yb) for xb, yb in batches)
    assert [len(b) for _, b in iterate_minibatches(x, y, 1)] == [1] * 7
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        list(iterate_minibatches(x, y, 0))


# --- amp="auto": mixed precision only where the step is big enough to gain ------------------

@pytest.mark.parametrize(("shape", "batch", "expected"), [
    ((784, 128), 1024, None),            # the MNIST MLP: launch-bound, bf16 measured slower
    ((4096, 4096), 256, None),           # measured equal: keep float32
    ((4096, 4096), 1024, torch.bfloat16),
    ((4096, 4096), 4096, torch.bfloat16),
])
def test_auto_amp_turns_on_only_for_large_steps(monkeypatch, shape, batch, expected) -> None:
    from nncourse.torch.amp import resolve_amp

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    model = torch.nn.Linear(*shape, device="meta")  # no memory: only the shapes matter
    assert resolve_amp("auto", torch.device("cuda"), model, batch) is expected
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    fallback = None if expected is None else torch.float16
    assert resolve_amp("auto", torch.device("cuda"), model, batch) is fallback
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" on the CPU: full precision, no warning
        assert resolve_amp("auto", torch.device("cpu"), model, batch) is None


def test_mixed_precision_off_is_the_plain_step() -> None:
    from nncourse.torch.amp import MixedPrecision

    x, y = torch.rand(8, 6), torch.randint(0, 3, (8,))
    models = [small_mlp(), small_mlp()]
    opts = [SGD(m.parameters(), lr=0.5) for m in models]
    precision = MixedPrecision(None, torch.device("cpu"))
    assert precision.dtype is None and precision.scaler is None
    with precision.autocast():
        loss = CrossEntropyLoss()(models[0](x), y)
    precision.backward(loss)
    precision.clip_grad_norm(models[0], opts[0], 1e-2)
    precision.step(opts[0])
    loss = CrossEntropyLoss()(models[1](x), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(models[1].parameters(), 1e-2)
    opts[1].step()
    for a, b in zip(models[0].parameters(), models[1].parameters(), strict=True):
        assert torch.equal(a, b)


@pytest.mark.cuda
@needs_cuda
def test_cuda_fit_keeps_the_data_on_the_device_and_matches_the_loader() -> None:
    x, y = blobs(n=256)
    states = []
    for on_device in (True, False):
        model = small_mlp()
        fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=0.01), x, y, epochs=2,
            batch_size=32, device="cuda", deterministic=True, data_on_device=on_device)
        states.append(model.state_dict())
    for key, value in states[0].items():
        assert torch.equal(value, states[1][key]), key


@pytest.mark.cuda
@needs_cuda
def test_cuda_fit_does_not_wait_for_the_gpu_at_every_step() -> None:
    """Host syncs per epoch do not grow with the number of steps (none inside the loop)."""
    counts = []
    for n in (64, 512):
        x, y = blobs(n=n)
        model = small_mlp()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            try:
                fit(model, CrossEntropyLoss(), Adam(model.parameters()), x, y, epochs=2,
                    batch_size=16, device="cuda", metrics=())
            finally:
                torch.cuda.set_sync_debug_mode("default")
        counts.append(sum("synchroniz" in str(w.message) for w in caught))
    assert counts[0] == counts[1], counts
