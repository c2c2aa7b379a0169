"""The shipped pretrained models, the pretraining script and the transfer-learning helpers."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nncourse import pretrain as P  # noqa: E402
from nncourse import transfer as T  # noqa: E402


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("name", ["mnist04", "shuffled"])
def test_shipped_weights_match_their_provenance(name: str) -> None:
    weights = T.PRETRAINED_DIR / f"{name}.npz"
    record = json.loads((T.PRETRAINED_DIR / f"{name}.json").read_text())
    assert weights.stat().st_size <= 300_000
    assert T.file_sha256(weights) == record["sha256"]
    assert record["classes"] == [0, 1, 2, 3, 4] and record["seed"] == P.PRETRAIN["seed"]
    assert 20_000 <= record["parameters"] <= 50_000
    for key in ("data", "epochs", "steps", "versions", "source_accuracy"):
        assert key in record
    model, info = T.load_pretrained(name)
    assert info == record and not model.training
    assert sum(p.numel() for p in model.parameters()) == record["parameters"]
    (_, _), (x_test, y_test) = T.source_data()
    measured = T.accuracy(model, x_test, y_test)
    assert measured == pytest.approx(record["source_accuracy"], abs=1e-3)
    if name == "mnist04":
        assert measured > 0.95
    else:
        assert measured < 0.35  # shuffled labels: the model knows no digit


def test_a_changed_file_is_refused(tmp_path) -> None:
    for suffix in ("npz", "json"):
        (tmp_path / f"mnist04.{suffix}").write_bytes(
            (T.PRETRAINED_DIR / f"mnist04.{suffix}").read_bytes())
    data = bytearray((tmp_path / "mnist04.npz").read_bytes())
    data[-30] ^= 1
    (tmp_path / "mnist04.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="sha256"):
        T.load_pretrained("mnist04", tmp_path)
    with pytest.raises(FileNotFoundError, match="python -m nncourse.pretrain"):
        T.load_pretrained("mnist04", tmp_path / "nowhere")


def test_saved_weights_are_byte_reproducible(tmp_path) -> None:
    model, _ = T.load_pretrained()
    first = T.save_weights(model, tmp_path / "a.npz")
    assert T.save_weights(model, tmp_path / "b.npz") == first
    assert first == T.file_sha256(T.PRETRAINED_DIR / "mnist04.npz")


@pytest.mark.slow
def test_the_script_still_trains(tmp_path) -> None:
    record = P.pretrain("mnist04", tmp_path, steps=4)
    assert record["steps"] == 4 and record["sha256"] == T.file_sha256(tmp_path / "mnist04.npz")
    assert json.loads((tmp_path / "mnist04.json").read_text()) == record
    model, _ = T.load_pretrained("mnist04", tmp_path)
    assert model[-1].out_features == 5
    assert P.main(["--out", str(tmp_path), "--steps", "2"]) == 0
    assert (tmp_path / "shuffled.npz").exists()


def test_helpers_freeze_replace_and_group() -> None:
    model, _ = T.load_pretrained()
    new = T.replace_head(model, 10, seed=0)
    assert new[-1].out_features == 10 and new[0].weight is model[0].weight
    T.freeze(T.backbone(new))
    assert [n for n, p in new.named_parameters() if p.requires_grad] == ["10.weight", "10.bias"]
    groups = T.param_groups(T.small_cnn(), lr=1e-2, backbone_factor=0.1)
    assert [g["lr"] for g in groups] == pytest.approx([1e-3, 1e-2])
    assert sum(len(g["params"]) for g in groups) == len(list(T.small_cnn().parameters()))
    with pytest.raises(ValueError, match="only"):
        T.target_data("digits28", n_per_class=500)


def test_digits_rescaled_into_the_mnist_frame() -> None:
    (x, y), (x_test, y_test) = T.target_data("digits28", n_per_class=2, seed=0)
    assert x.shape == (20, 1, 28, 28) and sorted(set(y.tolist())) == list(range(10))
    assert x_test.shape == (500, 1, 28, 28)
    assert float(x[:, :, :4].abs().max()) == 0.0  # the 4-pixel border stays empty
    big = T.digits_to_28(np.ones((1, 8, 8)))
    assert big.shape == (1, 28, 28) and big[0, 14, 14] == pytest.approx(1.0)


def test_frozen_backbone_keeps_its_weights_and_running_stats() -> None:
    result = T.run_transfer("frozen", "mnist59", n_per_class=5, seed=0, steps=5)
    source, _ = T.load_pretrained()
    for (name, before), after in zip(source.state_dict().items(),
                                     result["model"].state_dict().values(), strict=False):
        if not name.startswith("10."):
            assert torch.equal(before, after), name
    mistake = T.run_transfer("frozen", "mnist59", n_per_class=5, seed=0, steps=5,
                             bn_train_when_frozen=True)["model"]
    assert not torch.equal(mistake[8].running_mean, source[8].running_mean)


@pytest.mark.slow
def test_fine_tuning_beats_scratch_at_10_and_50_labels() -> None:
    for n in (10, 50):
        scratch = [T.run_transfer("scratch", "mnist59", n, seed)["accuracy"] for seed in (0, 1)]
        tuned = [T.run_transfer("finetune", "mnist59", n, seed)["accuracy"] for seed in (0, 1)]
        assert np.mean(tuned) > np.mean(scratch), (n, tuned, scratch)


def test_label_budget_grid_and_explorer_frames() -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from nncourse.widgets import transfer as W

    grid = W.load_grid()
    assert grid["budgets"] == P.CURVES["budgets"] and len(grid["seeds"]) >= 3
    table = W.budget_table("mnist59")
    assert sorted(table) == sorted(T.STRATEGIES)
    for entry in table.values():
        assert entry["n"] == [1, 5, 10, 50]
        assert all(lo <= m <= hi for lo, m, hi in zip(entry["low"], entry["mean"], entry["high"],
                                                      strict=True))
    control = W.budget_table("mnist59", "shuffled")
    assert control["scratch"] == table["scratch"]  # scratch does not depend on the source
    # What the chapter says: fine-tuning beats scratch at 10 and 50 labels; the control does not.
    for k in (2, 3):
        assert table["finetune"]["mean"][k] > table["scratch"]["mean"][k]
        assert control["frozen"]["mean"][k] < table["frozen"]["mean"][k]
    assert "10 labels per class" in W.budget_alt(10)
    plt.close(W.budget_figure(10))
    plt.close(W.curve_figure("digits28"))
    with pytest.raises(ValueError, match="No rows"):
        W.budget_table("nothing")
