"""Chapter 10 exercises: the catalogue, the generic diagnosis, and answers written from the lab.

* catalogue: each exercise names its reference and keeps four mistakes (that each one
  loses points with its words shown, on seeds 0, 1 and 7, is tests/test_mistake_catalogues.py's
  check of every chapter);
* diagnosis: planted mistakes that no catalogue lists (no optimizer.step, the labels as int32
  on the CPU, an inverted micro-batch weight, the scaler updated twice, the epoch returned as
  text, the checkpoint saved without the epoch, a micro-batch that does not fit, steps as text)
  each get a sentence naming what is wrong, never a raw torch error;
* the cheats of the old checker fail: ``model.to(device); return zeros`` and a loss copied to
  the CPU (which raises on the meta device) get sentences that name them;
* property: the answers of ``tests/independent/ch10.py`` (written only from lab 10's words)
  get full marks on 20 seeds for the training-step exercises (each check trains the model
  through several runs: 0.1-0.3 s) and on 3 for the values.

About 20 s on one core.
"""

from __future__ import annotations

import pytest
import torch
from independent import ch10 as independent

from nncourse.exercises import check, list_exercises

EXERCISES = list_exercises(chapter="ch10")
VALUES = {"scaling.memory_budget", "scaling.ddp_batch"}


def _text(result) -> str:
    return str(result).lower()


def test_every_exercise_names_a_reference_and_keeps_four_mistakes() -> None:
    assert {e.id for e in EXERCISES} == set(independent.ANSWERS)
    for exercise in EXERCISES:
        assert exercise.reference_answer() is not None, exercise.id
        assert len(exercise.mistakes) >= 4, exercise.id


# ----------------------------------------------------------------------------- diagnosis
def device_no_step(model, loss_fn, optimizer, x, y, device):
    """Forward, loss and backward, but no optimizer.step()."""
    model.to(device)
    x = torch.as_tensor(x, dtype=torch.float32, device=device)
    y = torch.as_tensor(y, dtype=torch.long, device=device)
    loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss.backward()
    return loss.detach()


def device_zeros(model, loss_fn, optimizer, x, y, device):
    """model.to(device) and a zero loss on the CPU."""
    model.to(device)
    return torch.zeros(())


def accumulate_inverted_weight(model, loss_fn, optimizer, x, y, steps):
    """Each micro-batch weighted len(x) / len(x_micro) instead of its share."""
    optimizer.zero_grad()
    for xc, yc in zip(torch.tensor_split(x, steps), torch.tensor_split(y, steps), strict=True):
        (loss_fn(model(xc), yc) * len(x) / len(xc)).backward()
    optimizer.step()


def amp_update_twice(model, loss_fn, optimizer, x, y, scaler):
    """scaler.update() called twice per step."""
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = loss_fn(model(x), y)
    optimizer.zero_grad()
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    scaler.update()


def save_all(path, model, optimizer, epoch):
    """Weights, optimizer, epoch and torch's random state."""
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "epoch": epoch, "rng": torch.get_rng_state()}, path)


def load_epoch_as_text(path, model, optimizer):
    """Everything loaded, the epoch returned as a string."""
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return str(state["epoch"])


def save_without_epoch(path, model, optimizer, epoch):
    """No epoch in the checkpoint."""
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "rng": torch.get_rng_state()}, path)


def load_all(path, model, optimizer):
    """Loads everything back."""
    state = torch.load(path, weights_only=True)
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"])
    return state["epoch"]


PLANTED = [
    ("scaling.device_step", device_no_step, ("weights after one step",)),
    ("scaling.device_step", device_zeros, ("loss",)),
    ("scaling.accumulate", accumulate_inverted_weight, ("len(x_micro) / len(x)",)),
    ("scaling.amp_step", amp_update_twice, ("scale", "scaler.update()")),
    ("scaling.resume", (save_all, load_epoch_as_text), ("an int",)),
    ("scaling.resume", (save_without_epoch, load_all), ("'epoch'",)),
    ("scaling.memory_budget", {"batch_size": 16384, "accumulation_steps": 1},
     ("more than the 512 mib budget",)),
    ("scaling.memory_budget", {"batch_size": "2048", "accumulation_steps": "four"},
     ("whole numbers",)),
    ("scaling.ddp_batch", 16.5, ("whole number",)),
]


def _name(answer) -> str:
    parts = answer if isinstance(answer, tuple) else (answer,)
    return "+".join(getattr(part, "__name__", repr(part)) for part in parts)


@pytest.mark.parametrize(("exercise_id", "answer", "words"), PLANTED,
                         ids=[_name(answer) for _, answer, _ in PLANTED])
def test_uncatalogued_mistakes_are_named(exercise_id: str, answer, words) -> None:
    result = check(exercise_id, answer)
    assert result.score < result.max_score, str(result)
    for word in words:
        assert word.lower() in _text(result), (word, str(result))
    assert "traceback" not in _text(result) and "keyerror" not in _text(result)


def test_device_step_cheats_of_the_old_checker_fail() -> None:
    zeros = check("scaling.device_step", device_zeros)
    assert zeros.score == 0, str(zeros)
    copied = check("scaling.device_step",
                   lambda *args: independent.device_step(*args).cpu())
    assert not copied.passed and "not implemented" not in _text(copied)
    assert "cpu" in _text(copied), str(copied)


def test_the_memory_explorer_names_its_valid_settings() -> None:
    from nncourse.widgets.scaling import MemoryBudgetExplorer

    explorer = MemoryBudgetExplorer()
    with pytest.raises(ValueError, match="batch_size must be one of .*2048.*got 3000"):
        explorer.set_state(batch_size=3000)
    with pytest.raises(ValueError, match="accumulation_steps must be a whole number from 1"):
        explorer.set_state(accumulation_steps=0)
    explorer.set_state(batch_size=2048, accumulation_steps=4)
    assert check("scaling.memory_budget", explorer).passed


# ----------------------------------------------------------------------------- property
@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(independent.ANSWERS))
def test_answers_written_from_the_lab_get_full_marks(exercise_id: str) -> None:
    answer = independent.ANSWERS[exercise_id]
    seeds = range(3) if exercise_id in VALUES else range(20)
    failed = [seed for seed in seeds if not check(exercise_id, answer, seed=seed).passed]
    assert not failed, (failed[:5], str(check(exercise_id, answer, seed=failed[0])))


def test_quiz_has_feedback_for_every_answer() -> None:
    from nncourse.exercises import MultipleChoice, quiz

    questions = quiz("ch10").questions
    assert len(questions) >= 5
    for question in questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id


def test_labels_left_on_the_cpu_are_named_though_meta_accepts_them() -> None:
    def labels_on_cpu(model, loss_fn, optimizer, x, y, device):
        """The model and x move; y stays a CPU tensor (meta does not complain, a GPU does)."""
        model.to(device)
        x = torch.as_tensor(x, dtype=torch.float32, device=device)
        loss = loss_fn(model(x), torch.as_tensor(y))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.detach()

    result = check("scaling.device_step", labels_on_cpu)
    assert not result.passed and "labels reached the loss on cpu" in _text(result)
