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
