"""The scaling explorer: memory model, arithmetic intensity, measured throughput, figures."""

from __future__ import annotations

import pytest

from nncourse.widgets import scaling


def test_intensity_of_a_small_product_by_hand() -> None:
    # (2, 3) @ (3, 4): 2*2*3*4 = 48 FLOP over (6 + 12 + 8) values of 2 bytes = 52 bytes.
    assert scaling.matmul_intensity(2, 3, 4) == pytest.approx(48 / 52)
    assert scaling.matmul_intensity(2, 3, 4, bytes_per_value=4) == pytest.approx(48 / 104)


def test_measured_throughput_gives_the_documented_fractions_of_peak() -> None:
    wide = scaling.achieved_tflops(scaling.WIDE_MLP,
                                   scaling.H200_MEASURED[scaling.WIDE_MLP][(4096, "bf16")])
    assert wide == pytest.approx(115.4, abs=0.1)              # ~15% of 786
    small = max(scaling.achieved_tflops(scaling.SMALL_MLP, rate)
                for rate in scaling.H200_MEASURED[scaling.SMALL_MLP].values())
    assert small / scaling.H200_BF16_PEAK_TFLOPS < 0.0005     # under a twentieth of a percent


def test_budget_edges() -> None:
    best = scaling.largest_fitting_batch(scaling.WIDE_MLP)
    assert scaling.fits_budget(scaling.WIDE_MLP, best)
    assert not scaling.fits_budget(scaling.WIDE_MLP, 2 * best)
    with pytest.raises(ValueError, match="at least two positive layer sizes"):
        scaling.parameter_count((784,))


def test_explorer_shows_the_verdict_and_rejects_bad_settings() -> None:
    explorer = scaling.MemoryBudgetExplorer(batch_size=8192, accumulation_steps=1)
    assert "does not fit" in explorer.view.value and "8192 x 1 = 8192" in explorer.view.value
    explorer.set_state(batch_size=2048, accumulation_steps=4)
    assert "fits in the 512 MiB" in explorer.view.value
    assert explorer.value == {"batch_size": 2048, "accumulation_steps": 4}
    with pytest.raises(ValueError, match="batch_size must be one of"):
        scaling.MemoryBudgetExplorer(batch_size=1000)
    with pytest.raises(ValueError, match="Unknown setting"):
        explorer.set_state(lr=0.1)


def test_static_figure_and_alt_text() -> None:
    fig = scaling.static_figure(batch_size=4096)
    assert len(fig.axes) == 2
    assert "over the 512 MiB budget" in scaling.static_alt(4096)
    assert "within the 512 MiB budget" in scaling.static_alt(2048)
