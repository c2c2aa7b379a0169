"""Training playground: config strings, training, the widget."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncourse.widgets.playground import PlaygroundExplorer, parse_hidden, static_figure
from nncourse.widgets.playground_core import (
    ACTIVATIONS,
    DATASETS,
    PLAYGROUND_OPTIMIZERS,
    PlaygroundConfig,
    from_config_string,
    train_playground,
)

configs = st.builds(
    PlaygroundConfig,
    dataset=st.sampled_from(DATASETS),
    noise=st.floats(0, 1, allow_nan=False),
    hidden=st.lists(st.integers(1, 64), max_size=6).map(tuple),
    activation=st.sampled_from(list(ACTIVATIONS)),
    optimizer=st.sampled_from(PLAYGROUND_OPTIMIZERS),
    lr=st.floats(1e-6, 10, allow_nan=False),
    batch_size=st.integers(1, 512),
    l2=st.one_of(st.just(0.0), st.floats(1e-9, 1e3)),
    seed=st.integers(0, 10**6),
)


@settings(max_examples=60, deadline=None)
@given(configs)
def test_config_string_round_trips_exactly(config):
    text = config.to_config_string()
    assert from_config_string(text) == config
    assert from_config_string(text).to_config_string() == text
    assert all(ch.isalnum() or ch in "-._" for ch in text)  # URL-safe


@pytest.mark.parametrize(("text", "message"), [
    ("", "only letters"),
    ("v2_d-moons", "must start with 'v1_'"),
    ("v1_d-moons_n-0.2", "missing h, a, o, lr, b, l2, s"),
    ("v1_d-moons_n-0.2_h-8_a-tanh_o-adam_lr-fast_b-16_l2-0_s-0", "number could not be read"),
    ("v1_d-moons_n-0.2_h-8_a-tanh_o-adam_lr-0.1_b-16_l2-0_s-0_s-1", "appears twice"),
    ("v1_d-moons_n-0.2_h-0_a-tanh_o-adam_lr-0.1_b-16_l2-0_s-0", "hidden must be"),
    ("v1_d-moons_n-0.2_h-8_a-swish_o-adam_lr-0.1_b-16_l2-0_s-0", "activation must be"),
    ("v1_d-moons_n-0.2_h-8_a-tanh_o-adam_lr-0_b-16_l2-0_s-0", "lr must be"),
    ("v1_d-moons_x-1_n-0.2_h-8_a-tanh_o-adam_lr-0.1_b-16_l2-0_s-0", "cannot read item 'x-1'"),
])
def test_malformed_strings_raise_clear_errors(text, message):
    with pytest.raises(ValueError, match=message):
        from_config_string(text)


def test_training_reduces_loss_on_moons():
    run = train_playground(PlaygroundConfig(dataset="moons", hidden=(8, 8)), epochs=20)
    history = run["history"]
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["test_accuracy"][-1] > 0.85
    assert run["grid"]["probs"].shape == (40, 40, 2)
    np.testing.assert_allclose(run["grid"]["probs"].sum(axis=-1), 1.0)


def test_huge_learning_rate_is_reported_as_a_status():
    explorer = PlaygroundExplorer("v1_d-xor_n-0.1_h-16_a-relu_o-sgd_lr-10_b-4_l2-0_s-0")
    for _ in range(5):
        explorer.tick()
    assert explorer.playground is not None
    history = explorer.playground.history
    assert explorer.playground.diverged or history["train_loss"][-1] > history["train_loss"][0]
    assert explorer.status_text.startswith(("Diverged", "epoch"))


def test_widget_round_trip_ticks_and_bad_settings():
    explorer = PlaygroundExplorer()
    text = explorer.to_config_string()
    assert text == "v1_d-moons_n-0.2_h-8-8_a-tanh_o-adam_lr-0.03_b-16_l2-0_s-0"
    explorer.set_state(lr=10 ** -1.5, noise=0.15000000000000002)
    assert "lr-0.03162_" in explorer.to_config_string()  # slider values are kept short
    assert "n-0.15_" in explorer.to_config_string()
    explorer.tick()
    assert explorer.playground.epoch == 2 and "epoch 2" in explorer.status_text
    other = "v1_d-circles_n-0.1_h-6_a-relu_o-momentum_lr-0.05_b-32_l2-0.001_s-4"
    explorer.from_config_string(other)
    assert explorer.to_config_string() == other and explorer.state["dataset"] == "circles"
    assert explorer.config_text.value == other and explorer.playground.epoch == 0
    assert explorer.load_config("not a config") is False
    assert explorer.status_text.startswith("Malformed playground config")
    explorer.controls["hidden"].value = "8, 0"
    assert explorer.status_text.startswith("Cannot compute") and "width 1..64" in \
        explorer.status_text
    assert explorer.controls["lr"].min == -4  # FloatLogSlider: lr >= 1e-4 > 0
    with pytest.raises(ValueError, match="comma"):
        parse_hidden("eight")


def test_static_figure_after_training():
    fig = static_figure(epochs=6)
    left, right = fig.axes
    assert len(left.images) == 1 and len(left.collections) == 2
    assert right.get_ylabel() == "cross-entropy loss"
    assert len(right.lines[0].get_xdata()) == 7
