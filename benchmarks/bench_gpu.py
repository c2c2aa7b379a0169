"""The GPU check: CUDA tests, ``fit`` against a plain device-resident loop, AMP, TFLOP/s.

One command, meant to finish in under 5 minutes on one GPU::

    python -m benchmarks gpu --out gpu.md          # from the repository root
    python -m benchmarks gpu --out gpu.md --quick  # smaller sizes (what the CPU test runs)

It writes a Markdown report to ``--out`` (and prints it):

1. the CUDA tests (``pytest -m cuda tests/test_*torch*.py`` and the two-process DDP test);
2. ``fit`` against a plain loop with the data set already on the device (``randperm`` on
   the device, index, forward, backward, the course's Adam, the loss summed on the device
   and read once per epoch): the MNIST-sized MLP 784-128-10 at batch 32..1024 and the
   784-4096-4096-10 MLP at batch 256..4096, in float32 and bf16 autocast; samples per
   second over the epochs after the first (a warm-up), median of interleaved repeats;
   ``fit/plain`` is the time ratio (the target is <= 1.05);
3. float32 against ``amp="auto"`` and ``amp="bf16"``, and what determinism costs;
4. a large bf16 matrix product in TFLOP/s against the peak measured on one H200
   (:data:`PEAK_BF16_TFLOPS`), and the wide MLP's training FLOP rate (6 x parameters
   per sample) against the same peak.

Without CUDA it runs the same parts on the CPU with small sizes (float32 only) and says
which GPU parts it skipped and why. Synthetic data (random 28x28 images, 10 classes):
the speed does not depend on the pixel values.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from functools import partial
from pathlib import Path

import torch

from nncourse.torch import fit
from nncourse.torch.callbacks import Callback
from nncourse.torch.layers import Flatten, Linear, ReLU, Sequential
from nncourse.torch.losses import CrossEntropyLoss
from nncourse.torch.optim import Adam

#: bf16 matrix product 8192^3 on one NVIDIA H200, PyTorch 2.11 / CUDA 13 (2026-11-30).
PEAK_BF16_TFLOPS = 786.0
#: fit may take at most this many times the plain device-resident loop's time.
TARGET = 1.05
ROOT = Path(__file__).resolve().parent.parent

# (label, layer widths, training samples, batch sizes): on a GPU, and small on the CPU.
GPU_CONFIGS = [("MLP 784-128-10", (784, 128, 10), 5_000, (32, 128, 1024)),
               ("MLP 784-4096-4096-10", (784, 4096, 4096, 10), 60_000, (256, 1024, 4096))]
CPU_CONFIGS = [("MLP 784-128-10", (784, 128, 10), 1_000, (32, 256)),
               ("MLP 784-512-512-10", (784, 512, 512, 10), 1_000, (128,))]
QUICK_CONFIGS = [("MLP 784-128-10", (784, 128, 10), 256, (32, 128)),
                 ("MLP 784-256-256-10", (784, 256, 256, 10), 256, (128,))]


def sync(device: torch.device) -> None:
    """Wait for the device to finish (timing is only honest after this)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def build_mlp(widths: tuple[int, ...], device: torch.device) -> torch.nn.Module:
    """Flatten -> Linear -> ReLU -> ... -> Linear, seeded, on ``device``."""
    layers: list[torch.nn.Module] = [Flatten()]
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers += [Linear(fan_in, fan_out, seed=i)] + ([ReLU()] if i < len(widths) - 2 else [])
    return Sequential(*layers).to(device)


def synthetic_data(n: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Random images (n, 28, 28) in [0, 1) and labels (n,) in 0..9, on ``device``."""
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(n, 28, 28, generator=generator)
    return x.to(device), torch.randint(0, 10, (n,), generator=generator).to(device)


def plain_loop(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int,
               epochs: int, amp: torch.dtype | None) -> float:
    """The hand-written loop; returns seconds for epochs 1.. (epoch 0 warms up)."""
    loss_fn, optimizer = CrossEntropyLoss(), Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator(device=x.device).manual_seed(0)
    precision = (lambda: torch.autocast(x.device.type, dtype=amp)) if amp else nullcontext
    start = 0.0
    for epoch in range(epochs):
        if epoch == 1:
            sync(x.device)
            start = time.perf_counter()
        total = torch.zeros((), device=x.device)
        order = torch.randperm(len(x), device=x.device, generator=generator)
        for i in range(0, len(x), batch_size):
            index = order[i:i + batch_size]
            xb, yb = x[index], y[index]
            with precision():
                loss = loss_fn(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.detach() * len(xb)
        float(total)  # one read per epoch, as fit does
    sync(x.device)
    return time.perf_counter() - start


class _EpochClock(Callback):
    """Starts the clock when epoch 1 begins (after a device sync)."""

    def __init__(self, device: torch.device) -> None:
        self.device, self.start = device, 0.0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        if epoch == 1:
            sync(self.device)
            self.start = time.perf_counter()


def fit_loop(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int,
             epochs: int, amp: str | None, **options: object) -> float:
    """``nncourse.torch.fit`` with its defaults; returns seconds for epochs 1.."""
    clock = _EpochClock(x.device)
    fit(model, CrossEntropyLoss(), Adam(model.parameters(), lr=1e-3), x, y, epochs=epochs,
        batch_size=batch_size, device=x.device, amp=amp, callbacks=[clock], **options)
    sync(x.device)
    return time.perf_counter() - clock.start


def _median_rates(runs: dict[str, Callable[[torch.nn.Module], float]], widths: tuple[int, ...],
                  samples: int, repeats: int, device: torch.device) -> dict[str, float]:
    """Samples per second of each run (interleaved repeats, median), from the same weights."""
    template = build_mlp(widths, device)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            seconds[name].append(run(copy.deepcopy(template)))
    return {name: samples / statistics.median(s) for name, s in seconds.items()}


def fit_vs_plain(configs: list, device: torch.device, amps: tuple, epochs: int,
                 repeats: int) -> list[dict]:
    """One row per (model, batch, amp): plain and fit samples/s, time ratio, TFLOP/s."""
    rows = []
    for label, widths, n, batches in configs:
        x, y = synthetic_data(n, device)
        params = sum(a * b + b for a, b in zip(widths[:-1], widths[1:], strict=True))
        for batch_size in batches:
            for amp in amps:
                dtype = torch.bfloat16 if amp == "bf16" else None
                same = {"x": x, "y": y, "batch_size": batch_size, "epochs": epochs}
                runs = {"plain": partial(plain_loop, amp=dtype, **same),
                        "fit": partial(fit_loop, amp=amp, **same)}
                rates = _median_rates(runs, widths, (epochs - 1) * n, repeats, device)
                rows.append({"model": f"{label}, N={n:,}", "batch": batch_size,
                             "amp": amp or "-", "plain": rates["plain"], "fit": rates["fit"],
                             "ratio": rates["plain"] / rates["fit"],
                             "tflops": 6 * params * rates["fit"] / 1e12})
    return rows


def precision_and_determinism(configs: list, device: torch.device, epochs: int,
                              repeats: int) -> list[dict]:
    """fit in float32, amp="auto", amp="bf16" (CUDA) and deterministic=True, samples/s."""
    variants: dict[str, dict] = {"float32": {"amp": None}}
    if device.type == "cuda":
        variants.update({'amp="auto"': {"amp": "auto"}, 'amp="bf16"': {"amp": "bf16"}})
    variants["float32, deterministic=True"] = {"amp": None, "deterministic": True}
    rows = []
    for label, widths, n, batches in configs:
        x, y = synthetic_data(n, device)
        batch_size = batches[len(batches) // 2]
        runs = {name: partial(fit_loop, x=x, y=y, batch_size=batch_size, epochs=epochs,
                              **options) for name, options in variants.items()}
        rates = _median_rates(runs, widths, (epochs - 1) * n, repeats, device)
        rows += [{"model": f"{label}, N={n:,}", "batch": batch_size, "variant": name,
                  "rate": rate, "vs": rate / rates["float32"]} for name, rate in rates.items()]
    return rows


def matmul_tflops(n: int, dtype: torch.dtype, device: torch.device, iters: int = 20) -> float:
    """Throughput of an (n, n) @ (n, n) product in TFLOP/s (2 n^3 per product)."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3):
        a @ b  # warm-up (kernel selection)
    sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        a @ b
    sync(device)
    return 2 * n**3 * iters / (time.perf_counter() - start) / 1e12


def cuda_tests(timeout: int = 200) -> list[str]:
    """Run the CUDA-marked tests of the torch path and the DDP test; one summary line each."""
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_*torch*.py"))
    lines = []
    for args in (["-m", "cuda", *files], ["tests/test_torch_ddp.py"]):
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True,
                                  timeout=timeout)
            tail = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
            failed = [ln for ln in done.stdout.splitlines() if ln.startswith("FAILED")]
            shown = "-m cuda tests/test_*torch*.py" if args[0] == "-m" else args[0]
            lines.append(f"`pytest {shown}`: {tail}" + "".join(
                f"\n  - {ln}" for ln in failed))
        except subprocess.TimeoutExpired:
            lines.append(f"`pytest {args[-1]}`: timed out after {timeout} s")
    return lines


def _header(device: torch.device) -> list[str]:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                                capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    card = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
    return [f"# nncourse GPU check, {datetime.date.today().isoformat()}", "",
            f"Device: {device} ({card or platform.machine()}); PyTorch {torch.__version__}, "
            f"CUDA {torch.version.cuda}; Python {platform.python_version()}; commit {commit}; "
            f"torch threads {torch.get_num_threads()}.", ""]


def report(quick: bool = False, run_tests: bool = True) -> str:
    """Run every part that this machine can run; return the Markdown report."""
    cuda = torch.cuda.is_available()
    device = torch.device("cuda" if cuda else "cpu")
    configs = QUICK_CONFIGS if quick else GPU_CONFIGS if cuda else CPU_CONFIGS
    epochs, repeats = (3, 1) if quick else (3, 3) if cuda else (6, 3)
    lines, skipped = _header(device), []
    why = ("no CUDA GPU is visible to PyTorch" if torch.version.cuda else
           "this PyTorch is built without CUDA")
    if cuda and run_tests:
        lines += ["## CUDA tests", "", *(f"- {ln}" for ln in cuda_tests()), ""]
    elif not cuda:
        skipped.append(f"the CUDA tests (`pytest -m cuda`): {why}")
    amps = (None, "bf16") if cuda else (None,)
    if not cuda:
        skipped.append(f"the bf16 rows and amp=\"auto\"/\"bf16\": {why} (mixed precision is "
                       "only used on CUDA)")
    lines += ["## fit against a plain device-resident loop", "",
              "| model | batch | amp | plain /s | fit /s | fit/plain time | fit TFLOP/s |",
              "|---|---:|---|---:|---:|---:|---:|"]
    rows = fit_vs_plain(configs, device, amps, epochs, repeats)
    for r in rows:
        mark = "" if r["ratio"] <= TARGET else " (over)"
        lines.append(f"| {r['model']} | {r['batch']} | {r['amp']} | {r['plain']:,.0f} | "
                     f"{r['fit']:,.0f} | {r['ratio']:.2f}{mark} | {r['tflops']:.2f} |")
    met = sum(r["ratio"] <= TARGET for r in rows)
    lines += ["", f"Target: fit/plain <= {TARGET} everywhere: met in {met} of {len(rows)} rows "
              f"(worst {max(r['ratio'] for r in rows):.2f}). TFLOP/s = 6 x parameters x "
              "samples/s.",
              "", "## Precision and determinism (fit)", "",
              "| model | batch | variant | samples/s | vs float32 |", "|---|---:|---|---:|---:|"]
    for r in precision_and_determinism(configs, device, epochs, repeats):
        lines.append(f"| {r['model']} | {r['batch']} | {r['variant']} | {r['rate']:,.0f} | "
                     f"{r['vs']:.2f} |")
    lines += ["", "## Matrix product throughput", ""]
    if cuda:
        n = 4096 if quick else 8192
        bf16 = matmul_tflops(n, torch.bfloat16, device)
        lines.append(f"- bf16 {n}^3: {bf16:,.0f} TFLOP/s = {bf16 / PEAK_BF16_TFLOPS:.0%} of "
                     f"the {PEAK_BF16_TFLOPS:.0f} TFLOP/s measured on one H200")
        lines.append(f"- float32 {n}^3: {matmul_tflops(n, torch.float32, device):,.1f} TFLOP/s")
    else:
        n = 256 if quick else 1024
        lines.append(f"- float32 {n}^3 on the CPU: {matmul_tflops(n, torch.float32, device, 5):.3f}"
                     " TFLOP/s")
        skipped.append(f"the bf16 matrix product against the {PEAK_BF16_TFLOPS:.0f} TFLOP/s "
                       f"peak: {why}")
    if skipped:
        lines += ["", "## Skipped", "", *(f"- {s}" for s in skipped)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> str:
    """``python -m benchmarks gpu [--out FILE] [--quick] [--no-tests]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks gpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown report here")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--no-tests", action="store_true", help="skip the CUDA tests")
    args = parser.parse_args([] if argv is None else argv)
    text = report(quick=args.quick, run_tests=not args.no_tests)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
        print(f"Written to {args.out}")
    return text


if __name__ == "__main__":
    main(sys.argv[1:])
