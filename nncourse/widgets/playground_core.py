"""The training playground without widgets: configuration, its string form, and training.

A configuration is a short, URL-safe string such as::

    v1_d-moons_n-0.2_h-8-8_a-tanh_o-adam_lr-0.03_b-16_l2-0_s-0

(data set, noise, hidden widths, activation, optimizer, learning rate, batch size, L2,
seed) that can be pasted back to restore the exact setup.

Example:
    >>> config = PlaygroundConfig(dataset="circles", hidden=(6,))
    >>> PlaygroundConfig.from_config_string(config.to_config_string()) == config
    True
    >>> run = train_playground(config, epochs=30)
    >>> run["history"]["train_loss"][-1] < run["history"]["train_loss"][0]
    True
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from nncourse import datasets
from nncourse.i18n import _
from nncourse.numpy.layers import LeakyReLU, Linear, ReLU, Sequential, Sigmoid, Tanh
from nncourse.numpy.losses import CrossEntropyLoss
from nncourse.numpy.training import iterate_minibatches, train_step
from nncourse.plots.classification import decision_grid
from nncourse.widgets.surfaces import build_optimizer

__all__ = ["DATASETS", "ACTIVATIONS", "PLAYGROUND_OPTIMIZERS", "PlaygroundConfig", "Playground",
           "train_playground", "to_config_string", "from_config_string"]

DATASETS = ("moons", "circles", "xor", "spirals", "blobs")
ACTIVATIONS = {"relu": ReLU, "leaky": LeakyReLU, "tanh": Tanh, "sigmoid": Sigmoid}
PLAYGROUND_OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")
N_SAMPLES = 300
TEST_FRACTION = 0.3
MAX_WIDTH = 64
MAX_LAYERS = 6
# key in the string -> field name; the order here is the order in the string
_KEYS = {"d": "dataset", "n": "noise", "h": "hidden", "a": "activation", "o": "optimizer",
         "lr": "lr", "b": "batch_size", "l2": "l2", "s": "seed"}
_VERSION = "v1"
_EXAMPLE = "v1_d-moons_n-0.2_h-8-8_a-tanh_o-adam_lr-0.03_b-16_l2-0_s-0"


def _number(value: float) -> str:
    """Shortest text that parses back to exactly ``value`` ('+' dropped: URL-safe)."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value)).replace("+", "")


@dataclass(frozen=True)
class PlaygroundConfig:
    """Everything that defines a playground run.

    Attributes:
        dataset: one of DATASETS. noise: label/position noise of the generator (>= 0).
        hidden: widths of the hidden layers (each 1..64, at most 6 layers; () = linear model).
        activation: "relu", "leaky", "tanh" or "sigmoid".
        optimizer: "sgd", "momentum", "nesterov", "rmsprop" or "adam".
        lr: learning rate (> 0). batch_size: >= 1. l2: L2 strength (>= 0). seed: >= 0.
    """

    dataset: str = "moons"
    noise: float = 0.2
    hidden: tuple[int, ...] = (8, 8)
    activation: str = "tanh"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 16
    l2: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        problems = []
        for name, valid in (("dataset", DATASETS), ("activation", tuple(ACTIVATIONS)),
                            ("optimizer", PLAYGROUND_OPTIMIZERS)):
            if getattr(self, name) not in valid:
                problems.append(_("{name} must be one of {valid}; got {got!r}").format(
                    name=name, valid=valid, got=getattr(self, name)))
        hidden = tuple(self.hidden)
        if len(hidden) > MAX_LAYERS or any(not isinstance(w, int | np.integer) or not
                                           1 <= w <= MAX_WIDTH for w in hidden):
            problems.append(_("hidden must be at most {layers} widths, each 1..{width}; got "
                              "{got!r}").format(layers=MAX_LAYERS, width=MAX_WIDTH,
                                                got=self.hidden))
        for name, low, strict in (("noise", 0.0, False), ("lr", 0.0, True), ("l2", 0.0, False)):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not np.isfinite(value) \
                    or (value <= low if strict else value < low):
                problems.append(_("{name} must be a finite number {relation} {low:g}; got "
                                  "{got!r}").format(name=name, relation=">" if strict else ">=",
                                                    low=low, got=value))
        for name, low in (("batch_size", 1), ("seed", 0)):
            value = getattr(self, name)
            if not isinstance(value, int | np.integer) or value < low:
                problems.append(_("{name} must be an integer >= {low}; got {got!r}").format(
                    name=name, low=low, got=value))
        if problems:
            raise ValueError(_("Invalid playground settings: {problems}.").format(
                problems="; ".join(problems)))
        object.__setattr__(self, "hidden", tuple(int(w) for w in hidden))

    def to_config_string(self) -> str:
        """The short URL-safe form, e.g. ``v1_d-moons_n-0.2_h-8-8_a-tanh_o-adam_lr-0.03_...``."""
        values = asdict(self)
        parts = [_VERSION]
        for key, name in _KEYS.items():
            value = values[name]
            if name == "hidden":
                text = "-".join(map(str, value)) if value else "none"
            elif isinstance(value, str):
                text = value
            else:
                text = _number(value)
            parts.append(f"{key}-{text}")
        return "_".join(parts)

    @classmethod
    def from_config_string(cls, text: str) -> PlaygroundConfig:
        """Parse :meth:`to_config_string`'s output; a clear ValueError on anything else."""
        return from_config_string(text)


def to_config_string(config: PlaygroundConfig) -> str:
    """Function form of :meth:`PlaygroundConfig.to_config_string`."""
    return config.to_config_string()


def from_config_string(text: str) -> PlaygroundConfig:
    """Restore a PlaygroundConfig from its string; raises ValueError saying what is wrong.

    Example:
        >>> from_config_string("v1_d-xor_n-0.1_h-4_a-relu_o-sgd_lr-0.1_b-8_l2-0_s-3").hidden
        (4,)
    """
    if not isinstance(text, str):
        raise TypeError(_("A config string is text; got {kind}.").format(
            kind=type(text).__name__))
    text = text.strip()
    how = _("Expected something like '{example}' (copy it from the playground).").format(
        example=_EXAMPLE)
    if not re.fullmatch(r"[A-Za-z0-9._\-]+", text or "?"):
        raise ValueError(_("Malformed playground config {text!r}: only letters, digits, '.', "
                           "'-' and '_' may appear. {how}").format(text=text, how=how))
    version, *items = text.split("_")
    if version != _VERSION:
        raise ValueError(_("Malformed playground config {text!r}: it must start with "
                           "'{version}_'. {how}").format(text=text, version=_VERSION, how=how))
    raw: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("-")
        if not sep or key not in _KEYS:
            raise ValueError(_("Malformed playground config: cannot read item {item!r} (known "
                               "keys: {keys}). {how}").format(item=item, keys=", ".join(_KEYS),
                                                             how=how))
        if key in raw:
            raise ValueError(_("Malformed playground config: {key!r} appears twice. "
                               "{how}").format(key=key, how=how))
        raw[key] = value
    missing = [k for k in _KEYS if k not in raw]
    if missing:
        raise ValueError(_("Malformed playground config: missing {keys} (was the string cut "
                           "off?). {how}").format(keys=", ".join(missing), how=how))
    types = {f.name: f.type for f in fields(PlaygroundConfig)}
    values: dict[str, Any] = {}
    try:
        for key, name in _KEYS.items():
            value = raw[key]
            if name == "hidden":
                values[name] = () if value == "none" else tuple(int(w) for w in value.split("-"))
            elif types[name] in ("int", int):
                values[name] = int(value)
            elif types[name] in ("float", float):
                values[name] = float(value)
            else:
                values[name] = value
    except ValueError as error:
        raise ValueError(_("Malformed playground config: a number could not be read "
                           "({error}). {how}").format(error=error, how=how)) from error
    return PlaygroundConfig(**values)


def _make_data(config: PlaygroundConfig) -> tuple[np.ndarray, np.ndarray]:
    generator = getattr(datasets, f"make_{config.dataset}")
    if config.dataset == "blobs":
        return generator(N_SAMPLES, centers=3, noise=config.noise * 5, seed=config.seed)
    return generator(N_SAMPLES, noise=config.noise, seed=config.seed)


class Playground:
    """Data, model and optimizer for one configuration; :meth:`train` advances in chunks.

    Example:
        >>> playground = Playground(PlaygroundConfig())
        >>> playground.train(5)["train_loss"][-1]
    """

    def __init__(self, config: PlaygroundConfig | None = None) -> None:
        self.config = config or PlaygroundConfig()
        c = self.config
        X, y = _make_data(c)
        (self.x_train, self.y_train), _no_validation, (self.x_test, self.y_test) = \
            datasets.train_val_test_split(X, y, 0.0, TEST_FRACTION, seed=c.seed)
        self.n_classes = int(y.max()) + 1
        margin = 0.3
        self.bounds = (X[:, 0].min() - margin, X[:, 0].max() + margin,
                       X[:, 1].min() - margin, X[:, 1].max() + margin)
        rng = np.random.default_rng(c.seed)
        layers: list[Any] = []
        width_in = 2
        for width in c.hidden:
            layers += [Linear(width_in, width, init="xavier_uniform" if c.activation in
                              ("tanh", "sigmoid") else "he_uniform", rng=rng),
                       ACTIVATIONS[c.activation]()]
            width_in = width
        layers.append(Linear(width_in, self.n_classes, rng=rng))
        self.model = Sequential(*layers)
        self.loss_fn = CrossEntropyLoss()
        self.optimizer = build_optimizer(c.optimizer, self.model.parameters(), c.lr)
        self.rng = np.random.default_rng(c.seed + 1)
        self.epoch = 0
        self.diverged = False
        self.history: dict[str, list[float]] = {"epoch": [], "train_loss": [], "test_loss": [],
                                                "train_accuracy": [], "test_accuracy": []}
        self._record()

    def _evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        logits = self.model(x)  # (N, 2) -> (N, classes)
        return self.loss_fn.forward(logits, y), float(np.mean(logits.argmax(axis=1) == y))

    def _record(self) -> None:
        with np.errstate(all="ignore"):
            try:
                train = self._evaluate(self.x_train, self.y_train)
                test = self._evaluate(self.x_test, self.y_test)
            except (ValueError, FloatingPointError):
                train = test = (float("nan"), float("nan"))
        if not (np.isfinite(train[0]) and np.isfinite(test[0])):
            self.diverged = True
        for key, value in (("epoch", self.epoch), ("train_loss", train[0]),
                           ("test_loss", test[0]), ("train_accuracy", train[1]),
                           ("test_accuracy", test[1])):
            self.history[key].append(float(value))

    def train(self, epochs: int = 5) -> dict[str, list[float]]:
        """Train ``epochs`` more epochs (stops at divergence); returns the history so far."""
        if self.diverged:
            return self.history
        from nncourse.widgets._base import single_threaded_blas

        with single_threaded_blas():  # tiny matrices: BLAS threads only add overhead
            self._train(int(epochs))
        return self.history

    def _train(self, epochs: int) -> None:
        c = self.config
        for _epoch in range(epochs):
            with np.errstate(all="ignore"):
                try:
                    for xb, yb in iterate_minibatches(self.x_train, self.y_train, c.batch_size,
                                                      shuffle=True, rng=self.rng):
                        train_step(self.model, self.loss_fn, self.optimizer, xb, yb, l2=c.l2)
                except (ValueError, FloatingPointError):
                    self.diverged = True
            self.epoch += 1
            self._record()
            if self.diverged:
                break

    def decision_grid(self, resolution: int = 40) -> dict[str, np.ndarray]:
        """Class probabilities on a grid over the data (see plots.decision_grid) + "probs"."""
        grid = decision_grid(self.model, self.bounds, resolution)
        xx, yy = grid["xx"], grid["yy"]
        with np.errstate(all="ignore"):
            logits = self.model(np.column_stack([xx.ravel(), yy.ravel()]))  # (R*R, classes)
            shifted = logits - logits.max(axis=1, keepdims=True)
            probs = np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True)
        grid["probs"] = np.nan_to_num(probs, nan=1.0 / self.n_classes).reshape(
            *xx.shape, self.n_classes)  # (R*R, C) -> (R, R, C)
        return grid


def train_playground(config: PlaygroundConfig | str | None = None, epochs: int = 50,
                     resolution: int = 40) -> dict[str, Any]:
    """Build a playground from a config (object or string), train, return history and grid.

    Returns:
        dict with "history" (per-epoch train/test loss and accuracy, epoch 0 = untrained),
        "grid" (decision grid), "diverged" and "config".
    """
    if isinstance(config, str):
        config = from_config_string(config)
    playground = Playground(config)
    playground.train(epochs)
    return {"history": playground.history, "grid": playground.decision_grid(resolution),
            "diverged": playground.diverged, "config": playground.config}
