"""Lab 10's exercises, solved from the lab's words only."""

from __future__ import annotations


def device_step(model, loss_fn, optimizer, x, y, device):
    """Model and batch to ``device`` (x float32, y int64); one step; the detached loss."""
    import torch

    model = model.to(device)
    inputs = torch.from_numpy(x).to(device=device, dtype=torch.float32)
    targets = torch.from_numpy(y).to(device=device, dtype=torch.int64)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.detach()


def accumulated_step(model, loss_fn, optimizer, x, y, steps):
    """Each micro-batch's mean loss weighted by its share |b_m| / B; one step."""
    import torch

    optimizer.zero_grad()
    total = x.shape[0]
    for x_micro, y_micro in zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps),
                                strict=True):
        share = x_micro.shape[0] / total
        (share * loss_fn(model(x_micro), y_micro)).backward()
    optimizer.step()


def amp_step(model, loss_fn, optimizer, x, y, scaler):
    """bf16 autocast forward and loss; scaled backward; scaler.step; scaler.update."""
    import torch

    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = model(x)
        loss = loss_fn(output, y)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()


def save_state(path, model, optimizer, epoch):
    """Weights, optimizer state, finished epochs and torch's random state."""
    import torch

    torch.save({"weights": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, "torch_rng": torch.get_rng_state()}, path)


def load_state(path, model, optimizer):
    """Everything back; the number of finished epochs."""
    import torch

    saved = torch.load(path, weights_only=True)
    model.load_state_dict(saved["weights"])
    optimizer.load_state_dict(saved["optimizer"])
    torch.set_rng_state(saved["torch_rng"])
    return saved["epoch"]


#: Part 6: micro-batch 2048, 4 steps (the explorer's state names).
MEMORY_BUDGET = {"batch_size": 2048, "accumulation_steps": 4}
#: Part 7: two processes of 8 samples each.
DDP_BATCH = 16


#: exercise id -> the answer above.
ANSWERS = {
    "scaling.device_step": device_step,
    "scaling.accumulate": accumulated_step,
    "scaling.amp_step": amp_step,
    "scaling.resume": (save_state, load_state),
    "scaling.memory_budget": MEMORY_BUDGET,
    "scaling.ddp_batch": DDP_BATCH,
}
