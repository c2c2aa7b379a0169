"""Explorer 8: learning-rate schedules, and an LR range test on a real model.

Schedule values come from :func:`nncourse.numpy.optim.schedule_values`, i.e. from the
same scheduler classes training uses. The range test trains an MLP on scikit-learn's
handwritten digits while the learning rate grows exponentially, batch by batch.

Example:
    >>> from nncourse.widgets.schedules import ScheduleExplorer
    >>> ScheduleExplorer()
    >>> compute_schedules(epochs=4, lr=1.0, step_size=2, gamma=0.5)["step"].tolist()
    [1.0, 1.0, 0.5, 0.5]
"""

from __future__ import annotations

import functools
import math
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from nncourse._checks import check_int, check_positive
from nncourse.i18n import _
from nncourse.numpy.optim import SGD, schedule_values
from nncourse.numpy.schedules import lr_range_test
from nncourse.plots.style import COLORS, PALETTE
from nncourse.widgets._base import Explorer, figure_only, single_threaded_blas, slider_style

__all__ = ["SCHEDULE_NAMES", "schedule_label", "compute_schedules", "compute_lr_range_test",
           "ScheduleExplorer", "static_figure"]

SCHEDULE_NAMES = ("constant", "step", "exponential", "cosine", "warmup_cosine")


def schedule_label(name: str) -> str:
    """A schedule's readable name in the current language (its key if it has none)."""
    labels = {"constant": _("constant"), "step": _("step decay"), "exponential": _("exponential"),
              "cosine": _("cosine"), "warmup_cosine": _("warm-up + cosine")}
    return labels.get(name, name)


def compute_schedules(epochs: int = 50, lr: float = 0.1, step_size: int = 10, gamma: float = 0.5,
                      decay: float = 0.95, warmup_epochs: int = 5, eta_min: float = 0.0
                      ) -> dict[str, np.ndarray]:
    """The learning rate per epoch for each named schedule.

    Args:
        epochs: length of the curves (>= 1).
        lr: the initial rate (> 0).
        step_size, gamma: StepLR (multiply by gamma every step_size epochs).
        decay: ExponentialLR's gamma.
        warmup_epochs: linear warm-up length for "warmup_cosine".
        eta_min: cosine's floor.

    Returns:
        schedule name -> float array (epochs,).
    """
    lr = check_positive(lr, "lr")
    epochs = int(epochs)
    warmup = max(1, min(int(warmup_epochs), epochs - 1)) if epochs > 1 else 1
    return {
        "constant": schedule_values("constant", epochs, lr=lr),
        "step": schedule_values("step", epochs, lr=lr, step_size=int(step_size), gamma=gamma),
        "exponential": schedule_values("exponential", epochs, lr=lr, gamma=decay),
        "cosine": schedule_values("cosine", epochs, lr=lr, T_max=epochs, eta_min=eta_min),
        "warmup_cosine": schedule_values("warmup_cosine", epochs, lr=lr, warmup_epochs=warmup,
                                         start_factor=0.1, eta_min=eta_min),
    }


def compute_lr_range_test(min_lr: float = 1e-4, max_lr: float = 10.0, steps: int = 100,
                          batch_size: int = 64, hidden: int = 32, momentum: float = 0.9,
                          smoothing: float = 0.9, seed: int = 0) -> dict[str, Any]:
    """LR range test on the digits MLP, by :func:`nncourse.numpy.schedules.lr_range_test`.

    The model is Linear(64, hidden) -> ReLU -> Linear(hidden, 10) on the digits data set,
    trained with SGD (momentum) and softmax cross-entropy, one mini-batch per rate. The test
    (the library function: one implementation) stops early once the smoothed loss exceeds
    four times its best value or the loss is no longer finite.

    Args:
        min_lr, max_lr: the range (0 < min_lr < max_lr).
        steps: mini-batches (one rate each, >= 2).
        batch_size, hidden, momentum: the training setup.
        smoothing: exponential moving average factor for the loss curve.
        seed: fixes weights and batch order.

    Returns:
        dict with "lrs", "losses" (raw), "smoothed" (bias-corrected EMA), "suggested_lr" (the
        rate where the smoothed loss falls fastest), "min_loss_lr" and "stopped_early".
    """
    from nncourse.numpy.layers import Linear, ReLU, Sequential
    from nncourse.numpy.losses import CrossEntropyLoss

    min_lr, max_lr = check_positive(min_lr, "min_lr"), check_positive(max_lr, "max_lr")
    steps, batch_size = check_int(steps, "steps", 2), check_int(batch_size, "batch_size")
    X, y = _digits()
    rng = np.random.default_rng(seed)
    model = Sequential(Linear(X.shape[1], hidden, rng=rng), ReLU(), Linear(hidden, 10, rng=rng))
    loss_fn = CrossEntropyLoss()
    optimizer = SGD(model.parameters(), lr=min_lr, momentum=momentum)
    order = rng.permutation(len(X))
    starts = (np.arange(steps) * batch_size) % len(X)
    batches = [(X[order[s:s + batch_size]], y[order[s:s + batch_size]]) for s in starts]

    def step(x_batch: np.ndarray, y_batch: np.ndarray) -> float:
        try:
            loss = loss_fn.forward(model(x_batch), y_batch)
            model.backward(loss_fn.backward())
            optimizer.step()
        except (ValueError, FloatingPointError):  # non-finite activations: diverged
            return math.inf
        return float(loss)

    with np.errstate(all="ignore"), single_threaded_blas():
        return lr_range_test(step, optimizer, batches, min_lr=min_lr, max_lr=max_lr,
                             smoothing=smoothing, stop_factor=4.0)


@functools.lru_cache(maxsize=1)
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from nncourse.datasets import load_digits

    return load_digits()


class ScheduleExplorer(Explorer):
    """Schedules (left, as a fraction of the initial rate) and the LR range test (right)."""

    figure_size = (2, 1)
    panel_size = (4.0, 3.3)

    def __init__(self, run_range_test: bool = True, **settings: Any) -> None:
        super().__init__()
        s = {"epochs": 50, "lr": 0.1, "step_size": 10, "gamma": 0.5, "decay": 0.95,
             "warmup_epochs": 5, "eta_min": 0.0, **settings}
        style = slider_style()
        self.controls = {
            "epochs": widgets.IntSlider(value=s["epochs"], min=2, max=300, description=_("epochs"),
                                        **style),
            "lr": widgets.FloatLogSlider(value=s["lr"], base=10, min=-4, max=0, step=0.1,
                                         description=_("initial lr"), readout_format=".3g",
                                         **style),
            "step_size": widgets.IntSlider(value=s["step_size"], min=1, max=100,
                                           description=_("step: every"), **style),
            "gamma": widgets.FloatSlider(value=s["gamma"], min=0.05, max=0.99, step=0.01,
                                         description=_("step: factor"), **style),
            "decay": widgets.FloatSlider(value=s["decay"], min=0.5, max=0.999, step=0.001,
                                         description=_("exponential"), readout_format=".3f",
                                         **style),
            "warmup_epochs": widgets.IntSlider(value=s["warmup_epochs"], min=1, max=50,
                                               description=_("warm-up epochs"), **style),
            "eta_min": widgets.FloatSlider(value=s["eta_min"], min=0.0, max=0.05, step=0.001,
                                           description=_("cosine floor"), readout_format=".3f",
                                           **style),
        }
        self.range_button = widgets.Button(description=_("run LR range test"))
        self.range_button.on_click(lambda _button: self.run_range_test())
        self.range_test: dict[str, Any] | None = None
        self._epochs: int | None = None
        self._observe_controls()
        self.update()
        if run_range_test:
            self.run_range_test()

    def compute(self, **state: Any) -> dict[str, np.ndarray]:
        return compute_schedules(**state)

    def _build(self, epochs: int) -> None:
        left = self.axes[0]
        left.clear()
        left.set_xlim(0, epochs - 1)
        left.set_ylim(0, 1.05)
        left.set_xlabel(_("epoch"))
        left.set_ylabel(_("learning rate / initial rate"))
        self._lines = {name: left.plot([], [], color=color, label=schedule_label(name),
                                       animated=True)[0]
                       for name, color in zip(SCHEDULE_NAMES, COLORS, strict=False)}
        left.legend(loc="lower left", fontsize=8)
        left.title.set_animated(True)
        self.dynamic = [*self._lines.values(), left.title]
        self._epochs = epochs
        self.invalidate()

    def draw(self, result: dict[str, np.ndarray]) -> None:
        epochs = len(result["constant"])
        if self._epochs != epochs:
            self._build(epochs)
        lr = float(result["constant"][0])
        for name, line in self._lines.items():
            line.set_data(np.arange(epochs), result[name] / lr)
        self.axes[0].title.set_text(_("initial rate {lr:.3g}").format(lr=lr))

    def run_range_test(self, **settings: Any) -> dict[str, Any]:
        """Run (or rerun) the LR range test and draw it in the right panel."""
        self.set_status(_("running the LR range test ..."))
        try:
            self.range_test = compute_lr_range_test(**settings)
        except (ValueError, TypeError, ImportError) as error:
            self.set_status(_("LR range test failed: {error}").format(error=error), "error")
            return {}
        ax, test = self.axes[1], self.range_test
        ax.clear()
        ax.set_xscale("log")
        ax.plot(test["lrs"], test["losses"], color=PALETTE["sky"], linewidth=0.8,
                label=_("batch loss"))
        smoothed = test["smoothed"]  # one shorter than "lrs" if the last loss was not finite
        ax.plot(test["lrs"][:len(smoothed)], smoothed, color=PALETTE["blue"], label=_("smoothed"))
        ax.axvline(test["suggested_lr"], color=PALETTE["vermillion"], linestyle="--",
                   label=_("steepest descent: {lr:.2g}").format(lr=test["suggested_lr"]))
        finite = test["smoothed"][np.isfinite(test["smoothed"])]
        ax.set_ylim(0, min(float(finite.max()) * 1.1, 3 * float(finite[0])) if finite.size else 5)
        ax.set_xlabel(_("learning rate (grows every batch)"))
        ax.set_ylabel(_("training loss"))
        ax.set_title(_("LR range test: MLP on digits"), fontsize=9)
        ax.legend(fontsize=8, loc="upper left")
        self.invalidate()
        self.render()
        self.set_status(_("Range test: loss falls fastest at lr ≈ {steepest:.2g}; lowest loss "
                          "at {lowest:.2g}.").format(steepest=test["suggested_lr"],
                                                     lowest=test["min_loss_lr"]))
        return test

    def message(self, result: dict[str, np.ndarray]) -> str:
        ends = ", ".join(f"{schedule_label(k)} {v[-1]:.3g}" for k, v in result.items())
        return _("Rate in the last epoch: {rates}.").format(rates=ends)

    def layout(self) -> widgets.Widget:
        controls = widgets.VBox([*self.controls.values(), self.range_button])
        return widgets.HBox([controls, widgets.VBox([self.image, self.status])])


def static_figure(**settings: Any) -> Figure:
    """Default schedules and a range test as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        return ScheduleExplorer(**settings).static()
