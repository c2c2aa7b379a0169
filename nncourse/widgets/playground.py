"""Explorer 7: a TensorFlow-Playground-like training playground in the notebook.

Pick a 2-D data set, hidden layers, activation, optimizer, learning rate, batch size and
L2; press play and watch the decision regions and the train/test loss as it trains (a
few epochs per tick, so the notebook stays responsive). The whole configuration is a
short string (``to_config_string()``) that ``from_config_string`` restores.

Example:
    >>> from nncourse.widgets.playground import PlaygroundExplorer
    >>> explorer = PlaygroundExplorer()
    >>> explorer.to_config_string()
    'v1_d-moons_n-0.2_h-8-8_a-tanh_o-adam_lr-0.03_b-16_l2-0_s-0'
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from nncourse.i18n import _
from nncourse.plots.style import CLASS_COLORS, PALETTE
from nncourse.widgets._base import Explorer, figure_only, slider_style
from nncourse.widgets.playground_core import (
    ACTIVATIONS,
    DATASETS,
    MAX_LAYERS,
    MAX_WIDTH,
    PLAYGROUND_OPTIMIZERS,
    Playground,
    PlaygroundConfig,
    from_config_string,
)

__all__ = ["PlaygroundExplorer", "static_figure", "probability_image", "dataset_label"]

RESOLUTION = 40


def dataset_label(dataset: str) -> str:
    """A data set's readable name in the current language (its key if it has none)."""
    labels = {"moons": _("moons"), "circles": _("circles"), "xor": "XOR",
              "spirals": _("spirals"), "blobs": _("blobs")}
    return labels.get(dataset, dataset)


def probability_image(probs: np.ndarray) -> np.ndarray:
    """(R, R, C) class probabilities -> (R, R, 3) RGB: class colours mixed, lightened."""
    colors = np.array([to_rgb(c) for c in CLASS_COLORS[: probs.shape[-1]]])  # (C, 3)
    mixed = probs @ colors  # (R, R, C) @ (C, 3) -> (R, R, 3)
    return 0.45 * mixed + 0.55  # lighten so the data points stand out


def parse_hidden(text: str) -> tuple[int, ...]:
    """'8, 8' -> (8, 8); '' or 'none' -> (); ValueError with a hint otherwise."""
    cleaned = text.replace(" ", "").strip(",")
    if cleaned.lower() in ("", "none", "0"):
        return ()
    try:
        widths = tuple(int(w) for w in cleaned.split(","))
    except ValueError:
        raise ValueError(_("Hidden layers must be widths separated by commas, e.g. '8, 8'; got "
                           "{text!r}.").format(text=text)) from None
    if len(widths) > MAX_LAYERS or any(not 1 <= w <= MAX_WIDTH for w in widths):
        raise ValueError(_("Use at most {layers} hidden layers of width 1..{width}; got "
                           "{text!r}.").format(layers=MAX_LAYERS, width=MAX_WIDTH, text=text))
    return widths


class PlaygroundExplorer(Explorer):
    """Controls for a PlaygroundConfig; play/step/reset; decision regions and loss curves."""

    figure_size = (2, 1)
    panel_size = (3.6, 3.3)

    def __init__(self, config: PlaygroundConfig | str | None = None,
                 epochs_per_tick: int = 2) -> None:
        super().__init__()
        if isinstance(config, str):
            config = from_config_string(config)
        c = config or PlaygroundConfig()
        style = slider_style()
        plain = {"style": style["style"], "layout": style["layout"]}
        self.controls = {
            "dataset": widgets.Dropdown(options=[(dataset_label(d), d) for d in DATASETS],
                                        value=c.dataset, description=_("data"), **plain),
            "noise": widgets.FloatSlider(value=c.noise, min=0.0, max=0.5, step=0.05,
                                         description=_("noise"), **style),
            "hidden": widgets.Text(value=", ".join(map(str, c.hidden)), description=_("hidden"),
                                   placeholder=_("e.g. 8, 8"), continuous_update=False, **plain),
            "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=c.activation,
                                           description=_("activation"), **plain),
            "optimizer": widgets.Dropdown(options=list(PLAYGROUND_OPTIMIZERS), value=c.optimizer,
                                          description=_("optimizer"), **plain),
            "lr": widgets.FloatLogSlider(value=c.lr, base=10, min=-4, max=1, step=0.1,
                                         description=_("learning rate"), readout_format=".3g",
                                         **style),
            "batch_size": widgets.IntSlider(value=c.batch_size, min=1, max=256,
                                            description=_("batch size"), **style),
            "l2": widgets.FloatText(value=c.l2, description="L2", step=1e-4, **plain),
            "seed": widgets.IntSlider(value=c.seed, min=0, max=99, description=_("seed"), **style),
        }
        self.epochs_per_tick = widgets.IntSlider(value=epochs_per_tick, min=1, max=20,
                                                 description=_("epochs/tick"), **style)
        self.play = widgets.Play(value=0, min=0, max=10**6, interval=150,
                                 description=_("train"))
        self.play.observe(lambda change: self.tick(), names="value")
        self.step_button = widgets.Button(description=_("step"))
        self.step_button.on_click(lambda _button: self.tick())
        self.reset_button = widgets.Button(description=_("reset"))
        self.reset_button.on_click(lambda _button: self.update())
        self.config_text = widgets.Text(description=_("config"),
                                        layout=widgets.Layout(width="560px"))
        self.load_button = widgets.Button(description=_("load config"))
        self.load_button.on_click(lambda _button: self.load_config(self.config_text.value))
        self.playground: Playground | None = None
        self._horizon = 50
        self._observe_controls()
        self.update()

    # --- configuration -------------------------------------------------------
    def current_config(self) -> PlaygroundConfig:
        """The controls as a PlaygroundConfig (ValueError if a setting is invalid)."""
        state = self.state
        state["hidden"] = parse_hidden(state["hidden"])
        for name in ("noise", "lr", "l2"):
            # 4 significant digits keep the config string short (slider steps are coarser).
            state[name] = float(f"{float(state[name]):.4g}")
        return PlaygroundConfig(**state)

    def to_config_string(self) -> str:
        """The current configuration as a short URL-safe string."""
        return self.current_config().to_config_string()

    def from_config_string(self, text: str) -> PlaygroundConfig:
        """Set every control from a config string and restart; ValueError if malformed."""
        config = from_config_string(text)
        with self.hold():
            for name, control in self.controls.items():
                value = getattr(config, name)
                control.value = ", ".join(map(str, value)) if name == "hidden" else value
        self.update()
        return config

    def load_config(self, text: str) -> bool:
        """Button handler: like from_config_string, but a bad string becomes a status message."""
        try:
            self.from_config_string(text)
        except (ValueError, TypeError) as error:
            self.set_status(str(error), "error")
            return False
        return True

    # --- computing -------------------------------------------------------------
    def compute(self, **state: Any) -> dict[str, Any]:
        """Start a fresh playground for the current settings (epoch 0)."""
        self.playground = Playground(self.current_config())
        self.config_text.value = self.playground.config.to_config_string()
        self._horizon = 50
        return self._snapshot()

    def _snapshot(self) -> dict[str, Any]:
        assert self.playground is not None
        return {"history": self.playground.history,
                "grid": self.playground.decision_grid(RESOLUTION),
                "diverged": self.playground.diverged, "fresh": self.playground.epoch == 0}

    def tick(self) -> None:
        """Train one chunk of epochs and redraw (what the play button calls)."""
        if self.playground is None:
            return
        if self.playground.diverged:
            self.play.playing = False
            return
        self.playground.train(self.epochs_per_tick.value)
        result = self._snapshot()
        self.result = result
        self.draw(result)
        self.render()
        self.set_status(*self._message_level(result))

    # --- drawing ---------------------------------------------------------------
    def _build(self) -> None:
        assert self.playground is not None
        p = self.playground
        left, right = self.axes
        left.clear()
        right.clear()
        x_min, x_max, y_min, y_max = p.bounds
        self._image = left.imshow(np.ones((RESOLUTION, RESOLUTION, 3)), origin="lower",
                                  extent=(x_min, x_max, y_min, y_max), aspect="auto",
                                  animated=True, interpolation="bilinear")
        colors = [CLASS_COLORS[k] for k in range(p.n_classes)]
        self._points = [
            left.scatter(p.x_train[:, 0], p.x_train[:, 1], c=[colors[k] for k in p.y_train],
                         s=12, edgecolors="white", linewidths=0.4, animated=True,
                         label=_("train")),
            left.scatter(p.x_test[:, 0], p.x_test[:, 1], facecolors="none",
                         edgecolors=[colors[k] for k in p.y_test], s=14, linewidths=1.0,
                         animated=True, label=_("test")),
        ]
        left.set_xlim(x_min, x_max)
        left.set_ylim(y_min, y_max)
        left.set_xlabel("$x_1$")
        left.set_ylabel("$x_2$")
        left.grid(False)
        first = p.history["train_loss"][0]
        right.set_xlim(0, self._horizon)
        right.set_ylim(0, max(1.0, 1.5 * first) if np.isfinite(first) else 2.0)
        right.set_xlabel(_("epoch"))
        right.set_ylabel(_("cross-entropy loss"))
        self._lines = {
            "train_loss": right.plot([], [], color=PALETTE["blue"], label=_("train"),
                                     animated=True)[0],
            "test_loss": right.plot([], [], "--", color=PALETTE["orange"], label=_("test"),
                                    animated=True)[0],
        }
        right.legend(loc="upper right", fontsize=8)
        right.title.set_animated(True)
        self.dynamic = [self._image, *self._points, *self._lines.values(), right.title]
        self.invalidate()

    def draw(self, result: dict[str, Any]) -> None:
        history = result["history"]
        if result["fresh"] or self.playground is None or history["epoch"][-1] > self._horizon:
            while history["epoch"][-1] > self._horizon:
                self._horizon *= 2  # extend the time axis (a full redraw, now and then)
            self._build()
        self._image.set_data(probability_image(result["grid"]["probs"]))
        for key, line in self._lines.items():
            line.set_data(history["epoch"], np.nan_to_num(history[key], nan=1e9))
        self.axes[1].title.set_text(_("epoch {epoch}: test accuracy {accuracy:.0%}").format(
            epoch=int(history["epoch"][-1]), accuracy=history["test_accuracy"][-1]))

    def _message_level(self, result: dict[str, Any]) -> tuple[str, str]:
        h = result["history"]
        if result["diverged"]:
            return (_("Diverged at epoch {epoch}: the loss became NaN or infinite. Lower the "
                      "learning rate and press reset.").format(epoch=int(h["epoch"][-1])),
                    "warning")
        return (_("epoch {epoch}: train loss {train:.3f}, test loss {test:.3f}, test accuracy "
                  "{accuracy:.0%}").format(epoch=int(h["epoch"][-1]), train=h["train_loss"][-1],
                                           test=h["test_loss"][-1],
                                           accuracy=h["test_accuracy"][-1]), "info")

    def message(self, result: dict[str, Any]) -> str:
        return self._message_level(result)[0]

    def layout(self) -> widgets.Widget:
        buttons = widgets.HBox([self.play, self.step_button, self.reset_button])
        controls = widgets.VBox([*self.controls.values(), self.epochs_per_tick, buttons])
        config_row = widgets.HBox([self.config_text, self.load_button])
        return widgets.VBox([widgets.HBox([controls, widgets.VBox([self.image, self.status])]),
                             config_row])


def static_figure(epochs: int = 60, **settings: Any) -> Figure:
    """The default configuration after ``epochs`` epochs of training, as a static figure."""
    with figure_only():   # saved once, never shown as a widget
        explorer = PlaygroundExplorer(**settings)
        assert explorer.playground is not None
        explorer.playground.train(epochs - explorer.epochs_per_tick.value)
        explorer.tick()
        return explorer.static()
