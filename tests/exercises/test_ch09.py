"""Chapter 9 exercises: the catalogue, the generic diagnosis, and answers written from the lab.

* catalogue: each exercise names its reference and keeps four mistakes (that each one
  loses points with its words shown, on seeds 0, 1 and 7, is tests/test_mistake_catalogues.py's
  check of every chapter);
* diagnosis: planted mistakes that no catalogue lists (all but the first layer frozen, the
  backbone's biases left learning, a head of the wrong width, the old head kept after the new
  one, a squared factor, both groups scaled, no groups at all, an unknown budget, a misnamed
  key) each get a sentence naming what is wrong;
* grading facts come from the trusted side: the runner reports flags only, the judge rebuilds
  the model from them and takes the optimizer step itself;
* property: the answers of ``tests/independent/ch09.py`` (written only from lab 9's words)
  get full marks on 40 seeds for the model exercises (each builds and steps the CNN: about
  0.1 s per check) and on 3 for the label budget.

About 20 s on one core.
"""

from __future__ import annotations

import pytest
from independent import ch09 as independent

from nncourse.exercises import check, list_exercises

EXERCISES = list_exercises(chapter="ch09")
WIDGETS = {"transfer.label_budget"}


def _text(result) -> str:
    return str(result).lower()


def test_every_exercise_names_a_reference_and_keeps_four_mistakes() -> None:
    assert {e.id for e in EXERCISES} == set(independent.ANSWERS)
    for exercise in EXERCISES:
        assert exercise.reference_answer() is not None, exercise.id
        assert len(exercise.mistakes) >= 4, exercise.id


# ----------------------------------------------------------------------------- diagnosis
def freeze_all_but_first(model):
    """Freezes layers 1.. instead of 0..-2: the first convolution still learns."""
    for layer in list(model)[1:-1]:
        for p in layer.parameters():
            p.requires_grad_(False)
        layer.eval()
    return model


def freeze_weights_not_biases(model):
    """Freezes only the weights: the backbone's biases still learn."""
    for name, p in model.named_parameters():
        if name.endswith("weight") and not name.startswith(f"{len(model) - 1}."):
            p.requires_grad_(False)
    for layer in list(model)[:-1]:
        layer.eval()
    return model


def head_too_wide(model, num_classes):
    """A head with num_classes + 1 outputs."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-1], Linear(32, num_classes + 1))


def head_without_relu(model, num_classes):
    """The last ReLU replaced by the new head, and the old head kept."""
    from nncourse.torch import Linear, Sequential

    return Sequential(*list(model)[:-2], Linear(32, num_classes), model[-1])


def groups_factor_squared(model, lr, backbone_factor):
    """The backbone at lr * backbone_factor ** 2."""
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    return [{"params": body, "lr": lr * backbone_factor ** 2},
            {"params": list(model[-1].parameters()), "lr": lr}]


def groups_head_at_factor(model, lr, backbone_factor):
    """Both groups scaled: the head at lr * backbone_factor too."""
    body = [p for layer in list(model)[:-1] for p in layer.parameters()]
    return [{"params": body, "lr": lr * backbone_factor},
            {"params": list(model[-1].parameters()), "lr": lr * backbone_factor}]


def groups_not_a_list(model, lr, backbone_factor):
    """A single tensor list instead of groups."""
    return None


PLANTED = [
    ("transfer.freeze_backbone", freeze_all_but_first, ("0.weight", "requires_grad_(false)")),
    ("transfer.freeze_backbone", freeze_weights_not_biases, ("bias", "still get a gradient")),
    ("transfer.replace_head", head_too_wide, ("shape", "num_classes")),
    ("transfer.replace_head", head_without_relu, ("expects input of shape (batch, 32)",)),
    ("transfer.param_groups", groups_factor_squared, ("lr * backbone_factor",)),
    ("transfer.param_groups", groups_head_at_factor, ("the head's", "expected lr")),
    ("transfer.param_groups", groups_not_a_list, ("returned nonetype", "list of two dicts")),
    ("transfer.label_budget", {"strategy": "finetune", "n_per_class": 7},
     ("unknown choice", "1, 5, 10, 50")),
    ("transfer.label_budget", {"method": "finetune"}, ("'strategy'",)),
]


@pytest.mark.parametrize(("exercise_id", "answer", "words"), PLANTED,
                         ids=[getattr(a, "__name__", repr(a)) for _, a, _ in PLANTED])
def test_uncatalogued_mistakes_are_named(exercise_id: str, answer, words) -> None:
    result = check(exercise_id, answer)
    assert result.score < result.max_score, str(result)
    for word in words:
        assert word.lower() in _text(result), (word, str(result))


def test_the_runner_reports_flags_and_the_judge_takes_the_step() -> None:
    from nncourse.exercises.ch09.exercises import one_step_facts
    from nncourse.exercises.ch09.reference import freeze_backbone
    from nncourse.exercises.ch09.runners import freeze_run

    flags = freeze_run(freeze_backbone, {"seed": 3}, {})
    assert set(flags) == {"requires_grad", "training"}       # raw data, no facts
    facts = one_step_facts(3, flags)
    assert isinstance(facts, dict) and facts["changed"] == ["10.bias", "10.weight"]
    flags["training"] = {name: True for name in flags["training"]}
    assert one_step_facts(3, flags)["stats_changed"] == ["8.running_mean", "8.running_var"]


# ----------------------------------------------------------------------------- property
@pytest.mark.usefixtures("progress_not_recorded")
@pytest.mark.parametrize("exercise_id", sorted(independent.ANSWERS))
def test_answers_written_from_the_lab_get_full_marks(exercise_id: str) -> None:
    answer = independent.ANSWERS[exercise_id]
    seeds = range(3) if exercise_id in WIDGETS else range(40)
    failed = [seed for seed in seeds if not check(exercise_id, answer, seed=seed).passed]
    assert not failed, (failed[:5], str(check(exercise_id, answer, seed=failed[0])))


def test_quiz_has_feedback_for_every_answer() -> None:
    from nncourse.exercises import MultipleChoice, quiz

    questions = quiz("ch09").questions
    assert len(questions) >= 5
    for question in questions:
        if isinstance(question, MultipleChoice):
            assert sum(choice.correct for choice in question.choices) == 1, question.id
            assert all(choice.feedback for choice in question.choices), question.id
