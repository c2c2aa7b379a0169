"""Every explorer and every plot speaks Brazilian Portuguese under pt_BR.

Each explorer class, each public plot function and each widget module's static figure and alt
text is built twice with small settings, once in English and once in Portuguese, and every text
a learner reads is collected in the same order from both builds: the controls' descriptions,
option labels and placeholders, the status line, and in every figure the titles, axis labels,
legend entries and annotations (tick labels are left out: numbers, or the data's own names),
plus every alt text and one-line description. A Portuguese text is still English when it holds
a common English word, or when it is the English text at the same place and holds a word that
is not one of the names both editions share (SGD, ReLU, MiB ...). A label planted without a
translation must make that same check fail.

The builders are listed by name, and a test finds every explorer class and every public plot
function in the package, so one added later without a builder here fails the suite.
"""

from __future__ import annotations

import html
import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from helpers_i18n import leave_untranslated  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nncourse import i18n  # noqa: E402

pytest.importorskip("ipywidgets")
import ipywidgets  # noqa: E402

#: words of English prose that Portuguese text never uses (outside code and formulas)
ENGLISH_WORDS = frozenset("""
    the of and with is are per after from by for to on at not your this that into over each
    every than about step steps loss rate learning epoch epochs layer layers training train
    validation test threshold surface depth width seed noise data hidden size start path best
    fit chosen model graph play initial count predicted class samples value weights weight
    gradients gradient activations activation error mean accuracy precision recall left right
    curves figure panel panels scale diverged budget memory fits range smoothed source labels
    labelled frozen scratch everything shuffled digits decay warm cosine exponential constant
    floor factor reset load config tick optimizer typical case saturated nowhere derivative
    function true false positive vanishing exploding healthy normalised setting critical
    damping flat steep direction grows limited shape expected got should must returned raised
    nothing yet known input inputs output forward backward complete chain adds into lowest
    falls fastest running failed grows measured plain loop device state deviation
    standard clipped top units dead solid dashed guide misclassified images matrix regions
    decision rescaled labels share valley bowl round saddle point minima local global curved
    narrow quadratic curvature curvatures neuron squared shared polynomial degree strength
    moons circles spirals blobs seconds per malformed something expected copy
""".split())

#: words both editions write the same way: names, the glossary's English terms, and words
#: that are spelt alike in both languages
SHARED_WORDS = frozenset("""
    sgd adam rmsprop nesterov momentum relu leaky sigmoid tanh softmax logits mlp mse roc auc
    xavier lecun pytorch torch numpy dropout mib gpu cpu rosenbrock mnist xor nan total normal
    grad std alpha beta float int array dict tuple none ok max min lab kernel python
""".split())
#: phrases both editions keep in English (the glossary's "batch norm")
SHARED_PHRASES = re.compile(r"(?i)\bbatch norm\b")
#: formulas, code and names in double quotes, which stay as they are in both editions
CODE = re.compile(r"\$[^$]*\$|`[^`]*`|\"[^\"]*\"")
#: a word with a digit, an underscore or a dot inside is an identifier (log10, leaky_relu, p.data)
WORD = re.compile(r"[\w.·]+")


def words(text: str) -> list[str]:
    """The plain words of ``text``: formulas, code and identifiers left out."""
    prose = SHARED_PHRASES.sub(" ", CODE.sub(" ", text))
    return [token for token in WORD.findall(prose) if token.isalpha()]


def still_english(pairs: list[tuple[str, str]]) -> list[str]:
    """The Portuguese texts of ``(Portuguese, English)`` pairs that are still English."""
    problems = []
    for translated, source in pairs:
        found = words(translated)
        common = [word for word in found if word.lower() in ENGLISH_WORDS]
        untouched = translated == source and any(
            len(word) >= 3 and word.lower() not in SHARED_WORDS for word in found)
        if common or untouched:
            problems.append(translated)
    return problems


@pytest.fixture(autouse=True)
def no_pictures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Explorers skip turning their figure into a PNG: the texts are all set before that."""
    from nncourse.widgets._base import Explorer

    monkeypatch.setattr(Explorer, "render", lambda self: None)


# ----------------------------------------------------------------------------- collecting
def html_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def widget_texts(widget: Any) -> list[str]:
    """Descriptions, option labels, placeholders and HTML text of a widget tree, in order."""
    found = []
    for name in ("description", "placeholder", "tooltip"):
        value = getattr(widget, name, None)
        if isinstance(value, str):
            found.append(value)
    found += [str(label) for label in getattr(widget, "_options_labels", ())]
    if isinstance(widget, ipywidgets.HTML):
        found.append(html_text(widget.value))
    for child in getattr(widget, "children", ()):
        found += widget_texts(child)
    return found


def figure_texts(figure: Figure) -> list[str]:
    """Titles, axis labels, legend entries and annotations of a figure (no tick labels)."""
    found = [figure._suptitle.get_text() if figure._suptitle is not None else ""]
    found += [text.get_text() for text in figure.texts]
    for ax in figure.axes:
        found += [ax.title.get_text(), ax._left_title.get_text(), ax._right_title.get_text(),
                  ax.xaxis.label.get_text(), ax.yaxis.label.get_text()]
        legend = ax.get_legend()
        if legend is not None:
            found += [text.get_text() for text in legend.get_texts()]
        found += [text.get_text() for text in ax.texts]
    return found


def learner_texts(thing: Any) -> list[str]:
    """Every learner-visible text of a built thing (a text, a figure, a widget, an explorer)."""
    if isinstance(thing, str):
        return [thing]
    if isinstance(thing, Figure):
        return figure_texts(thing)
    found = []
    if hasattr(thing, "widget"):
        found += widget_texts(thing.widget)
    if isinstance(getattr(thing, "figure", None), Figure):
        found += figure_texts(thing.figure)
    if isinstance(thing, ipywidgets.Widget):
        found += widget_texts(thing)
    assert found, f"nothing to read in {thing!r}"
    return found


def built_in(language: str, build: Callable[[], list[Any]]) -> list[str]:
    i18n.set_language(language)
    try:
        things = build()
        texts = [text for thing in things for text in learner_texts(thing)]
    finally:
        i18n.set_language(None)
        for thing in things:
            figure = thing if isinstance(thing, Figure) else getattr(thing, "figure", None)
            if isinstance(figure, Figure):
                plt.close(figure)
    return texts


def both_languages(build: Callable[[], list[Any]]) -> list[tuple[str, str]]:
    english, translated = built_in("en", build), built_in("pt_BR", build)
    assert len(english) == len(translated), "the two builds show different numbers of texts"
    return [(pt, en) for pt, en in zip(translated, english, strict=True) if pt.strip()]


# ----------------------------------------------------------------------------- the builders
def _explorers() -> dict[str, Callable[[], list[Any]]]:
    from nncourse.widgets.activations import ActivationExplorer
    from nncourse.widgets.backprop_stepper import BackpropStepper
    from nncourse.widgets.capacity import CapacityExplorer
    from nncourse.widgets.damping import DampingExplorer
    from nncourse.widgets.evaluation import EvaluationExplorer
    from nncourse.widgets.gradient_descent import GradientDescentExplorer
    from nncourse.widgets.initialization import InitializationExplorer
    from nncourse.widgets.optimizer_race import OptimizerRaceExplorer
    from nncourse.widgets.playground import PlaygroundExplorer
    from nncourse.widgets.scaling import MemoryBudgetExplorer
    from nncourse.widgets.schedules import ScheduleExplorer

    def stepper() -> list[Any]:
        forward, backward = BackpropStepper("neuron", step=3), BackpropStepper("shared_input")
        backward.set_state(step=backward.controls["step"].max)
        return [forward, backward]

    def playground() -> list[Any]:
        trained, broken = PlaygroundExplorer(epochs_per_tick=1), PlaygroundExplorer()
        trained.tick()
        broken.load_config("v1_d-moons")                    # a config cut short
        diverged = PlaygroundExplorer("v1_d-xor_n-0.1_h-4_a-relu_o-sgd_lr-1e6_b-8_l2-0_s-0")
        diverged.tick()
        return [trained, broken, diverged]

    def schedules() -> list[Any]:
        explorer = ScheduleExplorer(run_range_test=False, epochs=20)
        explorer.run_range_test(steps=12, batch_size=16)
        return [explorer]

    return {
        "GradientDescentExplorer": lambda: [GradientDescentExplorer(steps=10),
                                            GradientDescentExplorer(surface="bowl", lr=2.5,
                                                                    steps=20)],
        "OptimizerRaceExplorer": lambda: [OptimizerRaceExplorer(steps=10),
                                          OptimizerRaceExplorer(steps=10, lr_sgd=3.0)],
        "BackpropStepper": stepper,
        "ActivationExplorer": lambda: [ActivationExplorer(depth=5),
                                       ActivationExplorer(name="relu", depth=5)],
        "InitializationExplorer": lambda: [
            InitializationExplorer(depth=4, width=16),
            InitializationExplorer(init="normal_1", activation="tanh", depth=4, width=16),
            InitializationExplorer(init="small_normal", depth=6, width=16),
            InitializationExplorer(init="normal_1", depth=4, width=16, batch_norm=True)],
        "CapacityExplorer": lambda: [CapacityExplorer(),
                                     CapacityExplorer(model="mlp", capacity=4, epochs=5)],
        "PlaygroundExplorer": playground,
        "ScheduleExplorer": schedules,
        "DampingExplorer": lambda: [DampingExplorer(lr=0.4, momentum=0.5, steps=10),
                                    DampingExplorer(lr=1.0, momentum=0.0, steps=10)],
        "EvaluationExplorer": lambda: [EvaluationExplorer(0.3)],
        "MemoryBudgetExplorer": lambda: [MemoryBudgetExplorer(batch_size=64),
                                         MemoryBudgetExplorer(batch_size=16384)],
    }


def _widget_figures() -> dict[str, Callable[[], list[Any]]]:
    """The widget modules' kernel-free figures and alt texts (``module.function``)."""
    from nncourse.widgets import (
        activations,
        backprop_stepper,
        capacity,
        damping,
        evaluation,
        gradient_descent,
        initialization,
        optimizer_race,
        playground,
        scaling,
        schedules,
        static,
        transfer,
    )

    def frames() -> list[Any]:
        view = static.frame_explorer(lambda value: static._demo_png(), "v", [1, 2],
                                     label="v", alt="v")
        note = re.search(r'class="nncourse-frames-note">(.*?)</p>', view.html())
        assert note is not None
        figure = Figure()
        left, right = figure.subplots(1, 2)
        left.set(title="$f$", yscale="log")
        left.plot([1, 2], [1, 2], label="$g$")
        left.legend()
        right.set_title("$h$")
        right.text(0, 0, "$w = 1$")
        lone = Figure()
        lone.add_subplot().axis("off")
        lone.axes[0].text(0, 0, "$w$")
        return [html.unescape(note.group(1)), static.figure_alt(figure), static.figure_alt(lone)]

    return {
        "gradient_descent.static_figure": lambda: [gradient_descent.static_figure(steps=10)],
        "gradient_descent.static_alt": lambda: [gradient_descent.static_alt(steps=10)],
        "optimizer_race.static_figure": lambda: [optimizer_race.static_figure(steps=10)],
        "backprop_stepper.static_figure": lambda: [backprop_stepper.static_figure("neuron")],
        "backprop_stepper.static_alt": lambda: [backprop_stepper.static_alt("neuron", 2)],
        "activations.static_figure": lambda: [activations.static_figure(depth=5)],
        "activations.static_alt": lambda: [activations.static_alt(depth=5)],
        "initialization.static_figure": lambda: [initialization.static_figure(depth=4,
                                                                               width=16)],
        "initialization.static_alt": lambda: [initialization.static_alt(depth=4, width=16)],
        "capacity.static_figure": lambda: [capacity.static_figure()],
        "playground.static_figure": lambda: [playground.static_figure(epochs=3)],
        "schedules.static_figure": lambda: [schedules.static_figure(run_range_test=False)],
        "damping.static_figure": lambda: [damping.static_figure(steps=10)],
        "damping.static_alt": lambda: [damping.static_alt(steps=10),
                                       damping.static_alt(lr=1.0, steps=10)],
        "evaluation.static_figure": lambda: [evaluation.static_figure(0.3)],
        "evaluation.static_alt": lambda: [evaluation.static_alt(0.3)],
        "scaling.static_figure": lambda: [scaling.static_figure()],
        "scaling.static_alt": lambda: [scaling.static_alt(1024), scaling.static_alt(4096)],
        "transfer.curve_figure": lambda: [transfer.curve_figure(),
                                          transfer.curve_figure("digits28", "shuffled")],
        "transfer.budget_figure": lambda: [transfer.budget_figure(10)],
        "transfer.budget_alt": lambda: [transfer.budget_alt(10)],
        "FrameExplorer": frames,
    }


def _plots() -> dict[str, Callable[[], list[Any]]]:
    from nncourse.numpy.layers import Linear, ReLU, Sequential
    from nncourse.plots import (
        capacity,
        classification,
        curves,
        diagnostics,
        distributions,
        images,
        operating_point,
    )
    from nncourse.roc import compute_operating_point
    from nncourse.widgets.capacity_core import compute_capacity

    history = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6], "accuracy": [0.5, 0.7],
               "val_accuracy": [0.4, 0.6], "lr": [0.1, 0.05]}
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    labels = np.array([0, 1, 1, 0])
    record = {"kind": "Tanh", "std": 0.5, "grad_std": 0.1, "saturated": 0.2, "dead": 0.1}
    pictures = np.random.default_rng(0).random((4, 8, 8))

    def live() -> list[Any]:
        curves_ = curves.LiveCurves(display=False)
        curves_.update(loss=1.0, val_loss=1.2)
        curves_.update(loss=0.5, val_loss=0.7)
        return [curves_.figure()]

    def regions() -> list[Any]:
        figure = Figure()
        grid = classification.decision_grid(lambda p: p[:, 0] - p[:, 1], (0, 1, 0, 1), 10)
        classification.draw_decision_regions(figure.add_subplot(), grid, points, labels)
        return [figure]

    def point() -> list[Any]:
        result = compute_operating_point(0.3)
        figure = Figure()
        operating_point.draw_operating_point(figure.subplots(1, 3), result)
        return [figure]

    return {
        "plot_history": lambda: [curves.plot_history(history),
                                 curves.plot_history(history, keys=["lr"])],
        "LiveCurves": live,
        "plot_confusion_matrix": lambda: [
            classification.plot_confusion_matrix([0, 1, 1], [0, 1, 0]),
            classification.plot_confusion_matrix([0, 1, 1], [0, 1, 0], normalize=True)],
        "plot_decision_boundary": lambda: [
            classification.plot_decision_boundary(lambda p: p[:, 0] - p[:, 1], points, labels,
                                                  resolution=10)],
        "draw_decision_regions": regions,
        "plot_layer_statistics": lambda: [diagnostics.plot_layer_statistics(
            {"He": [record, {**record, "std": 0.3}], "N(0, 1)": [record, record]})],
        "plot_update_ratios": lambda: [diagnostics.plot_update_ratios(
            {"0.weight": [1e-3, 2e-3], "2.weight": [3e-4, 5e-4]})],
        "plot_mean_spread": lambda: [diagnostics.plot_mean_spread(
            {"SGD": [[1.0, 0.5, 0.3], [1.1, 0.6, 0.2]], "Adam": [[1.0, 0.2, 0.1]]})],
        "plot_layer_histograms": lambda: [
            distributions.plot_layer_histograms({"1": np.ones(10), "2": np.arange(10.0)},
                                                quantity=quantity)
            for quantity in ("activation", "gradient", "weight")],
        "weight_histograms": lambda: [distributions.weight_histograms(
            Sequential(Linear(3, 4, rng=np.random.default_rng(0)), ReLU(),
                       Linear(4, 2, rng=np.random.default_rng(1))))],
        "plot_image_grid": lambda: [images.plot_image_grid(pictures, labels=[0, 1, 2, 3]),
                                    images.plot_image_grid(pictures, labels=[0, 1, 2, 3],
                                                           predictions=[0, 1, 1, 3])],
        "plot_misclassified": lambda: [images.plot_misclassified(pictures, [0, 1, 2, 3],
                                                                 [0, 1, 1, 3]),
                                       images.plot_misclassified(pictures, [0, 1], [0, 1])],
        "plot_capacity": lambda: [capacity.plot_capacity(
            compute_capacity("polynomial", capacity=3, n_train=15))],
        "plot_operating_point": lambda: [operating_point.plot_operating_point(
            compute_operating_point(0.3))],
        "draw_operating_point": point,
        "describe_operating_point": lambda: [operating_point.describe_operating_point(
            compute_operating_point(0.3))],
    }


BUILDERS = {**_explorers(), **_widget_figures(), **_plots()}
#: public plot names that draw or say nothing themselves (style helpers, a grid computation)
NOT_SHOWN = {"decision_grid", "PALETTE", "COLORS", "CLASS_COLORS", "use_style", "styled",
             "new_figure", "CourseCanvas", "class_colormap", "diverging_colormap"}
#: widget module functions that make a figure or an alt text
WIDGET_FUNCTIONS = ("static_figure", "static_alt", "curve_figure", "budget_figure",
                    "budget_alt")


def _public(package: str) -> list[tuple[str, Any]]:
    found = []
    module = importlib.import_module(package)
    for info in pkgutil.iter_modules(module.__path__):
        submodule = importlib.import_module(f"{package}.{info.name}")
        for name in getattr(submodule, "__all__", []):
            found.append((f"{info.name}.{name}", getattr(submodule, name)))
    return found


def test_every_explorer_and_plot_has_a_builder() -> None:
    from nncourse.widgets._base import Explorer

    wanted = set()
    for qualified, value in _public("nncourse.widgets"):
        module, name = qualified.split(".")
        if value is Explorer:
            continue
        if inspect.isclass(value) and (issubclass(value, Explorer) or name.endswith("Explorer")):
            wanted.add(name)
        elif name in WIDGET_FUNCTIONS and value.__module__.endswith(module):
            wanted.add(qualified)
    for qualified, value in _public("nncourse.plots"):
        name = qualified.split(".")[1]
        if (inspect.isfunction(value) or inspect.isclass(value)) and name not in NOT_SHOWN:
            wanted.add(name)
    assert sorted(wanted - set(BUILDERS)) == []


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_learner_texts_are_portuguese(name: str) -> None:
    pairs = both_languages(BUILDERS[name])
    assert pairs, "nothing collected"
    assert still_english(pairs) == []


def status_levels(language: str, build: Callable[[], list[Any]]) -> list[str]:
    """The colour of every status line a build shows (a warning is orange in any language)."""
    i18n.set_language(language)
    try:
        return [re.search(r"color:(#\w+)", thing.status.value).group(1)
                for thing in build() if isinstance(getattr(thing, "status", None),
                                                   ipywidgets.HTML)]
    finally:
        i18n.set_language(None)
        plt.close("all")


@pytest.mark.parametrize("name", sorted(_explorers()))
def test_a_warning_stays_a_warning(name: str) -> None:
    english = status_levels("en", BUILDERS[name])
    assert status_levels("pt_BR", BUILDERS[name]) == english


@pytest.mark.parametrize("name, message", [
    ("ActivationExplorer", "gradient scale factor"),                      # an axis label
    ("GradientDescentExplorer", "round bowl"),                            # an option label
    ("DampingExplorer", "step size α"),                                   # a control
    ("PlaygroundExplorer", "epoch {epoch}: train loss {train:.3f}, test loss {test:.3f}, "
                           "test accuracy {accuracy:.0%}"),               # a status line
    ("plot_confusion_matrix", "predicted class"),                         # a plot's label
    ("FrameExplorer", "Panel {number}: {panel}."),                        # an alt text
])
def test_an_untranslated_label_is_caught(monkeypatch: pytest.MonkeyPatch, name: str,
                                         message: str) -> None:
    leave_untranslated(monkeypatch, message)
    english = message.split("{")[0].strip()
    assert any(english in text for text in still_english(both_languages(BUILDERS[name])))


def test_a_language_chosen_later_applies_to_what_is_built_then() -> None:
    import io

    from PIL import Image

    from nncourse.widgets.gradient_descent import GradientDescentExplorer
    from nncourse.widgets.static import FrameExplorer

    png = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(png, format="PNG")   # one tiny frame
    i18n.set_language("en")
    try:
        view = FrameExplorer("v", "v", [1], [png.getvalue()], ["v"], ["1"])
        english = GradientDescentExplorer(steps=5)
        i18n.set_language("pt_BR")
        translated = GradientDescentExplorer(steps=5)
        assert english.axes[0].get_title() != translated.axes[0].get_title()
        assert english.controls["surface"].options != translated.controls["surface"].options
        assert english.controls["surface"].value == translated.controls["surface"].value
        assert "Quadros pré-calculados" in view.html()      # the note is written when shown
    finally:
        i18n.set_language(None)


def test_the_detector_reads_words_not_formulas() -> None:
    assert words('perda acima do mínimo, $f - f^*$ e `loss_fn` do "neuron"') == \
        ["perda", "acima", "do", "mínimo", "e", "do"]
    assert still_english([("passo", "step"), ("SGD (passo 3)", "SGD (step 3)")]) == []
    assert still_english([("momentum β", "momentum β"), ("batch norm", "batch norm")]) == []
    assert still_english([("passo of 3", "step of 3")]) == ["passo of 3"]
    assert still_english([("round bowl", "round bowl")]) == ["round bowl"]
    assert still_english([("tigela", "round bowl"), ("leaky_relu", "leaky_relu")]) == []
