"""Explorer 9: accuracy against the label budget, per transfer strategy (kernel-free frames).

The numbers come from the grid shipped in ``nncourse/pretrained/transfer_curves.json``
(built by ``python -m nncourse.pretrain --curves``): :func:`budget_table` reads them (the
compute function tests and judges call), :func:`curve_figure` draws mean ± spread against the
number of labels per class, :func:`budget_figure` the four strategies at one budget (a frame
of the chapter's explorer).

Example:
    >>> table = budget_table("mnist59")
    >>> sorted(table)[:2]
    ['finetune', 'frozen']
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from nncourse.i18n import _
from nncourse.transfer import PRETRAINED_DIR, STRATEGIES

__all__ = ["strategy_label", "source_label", "load_grid", "budget_table", "curve_figure",
           "budget_figure", "budget_alt"]

COLORS = {"scratch": "#7f7f7f", "frozen": "#1f77b4", "finetune": "#d62728", "lower_lr": "#2ca02c"}


def strategy_label(strategy: str, short: bool = False) -> str:
    """A strategy's name in the current language: a legend entry, or a short bar label."""
    if short:
        labels = {"scratch": _("scratch"), "frozen": _("frozen"), "finetune": _("fine-tune"),
                  "lower_lr": _("lower lr")}
    else:
        labels = {"scratch": _("from scratch"), "frozen": _("frozen features + new head"),
                  "finetune": _("fine-tune everything"),
                  "lower_lr": _("fine-tune, backbone lr / 10")}
    return labels.get(strategy, strategy)


def source_label(source: str) -> str:
    """What a source network was pretrained on, in the current language (its key if unknown)."""
    labels = {"mnist04": _("digits 0-4"), "shuffled": _("shuffled labels")}
    return labels.get(source, source)


def load_grid() -> dict[str, Any]:
    """The shipped grid: settings, versions and a row per setting with every seed's accuracy."""
    return json.loads((PRETRAINED_DIR / "transfer_curves.json").read_text())


def budget_table(target: str = "mnist59", source: str = "mnist04") -> dict[str, dict[str, list]]:
    """Per strategy: budgets, mean, min and max accuracy over the seeds.

    The "shuffled" source has no scratch rows of its own; scratch is the same either way, so
    it is taken from the "mnist04" rows.

    Returns:
        ``{strategy: {"n": [...], "mean": [...], "low": [...], "high": [...]}}``.
    """
    table: dict[str, dict[str, list]] = {}
    for row in load_grid()["runs"]:
        if row["target"] != target:
            continue
        if row["source"] != source and not (row["strategy"] == "scratch"
                                            and row["source"] == "mnist04"):
            continue
        entry = table.setdefault(row["strategy"], {"n": [], "mean": [], "low": [], "high": []})
        acc = np.asarray(row["accuracy"])
        entry["n"].append(row["n_per_class"])
        entry["mean"].append(float(acc.mean()))
        entry["low"].append(float(acc.min()))
        entry["high"].append(float(acc.max()))
    if not table:
        raise ValueError(f"No rows for target={target!r}, source={source!r} in the grid.")
    return table


def curve_figure(target: str = "mnist59", source: str = "mnist04", ax: Any = None) -> Any:
    """Mean accuracy (line) and the range over seeds (band) against labels per class."""
    import matplotlib.pyplot as plt

    table = budget_table(target, source)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6, 3.6))
    else:
        fig = ax.figure
    for strategy in STRATEGIES:
        if strategy not in table:
            continue
        e = table[strategy]
        ax.plot(e["n"], e["mean"], "o-", color=COLORS[strategy],
                label=strategy_label(strategy))
        ax.fill_between(e["n"], e["low"], e["high"], color=COLORS[strategy], alpha=0.15)
    ax.set_xscale("log")
    ax.set_xticks([1, 5, 10, 50], labels=["1", "5", "10", "50"])
    ax.set_xlabel(_("labelled images per class"))
    ax.set_ylabel(_("test accuracy"))
    names = {"mnist59": "MNIST 5-9", "digits28": _("8x8 digits rescaled")}
    ax.set_title(_("{target}, source: {source}").format(target=names.get(target, target),
                                                        source=source_label(source)))
    ax.legend(fontsize=8, loc="lower right")
    return fig


def budget_figure(n_per_class: int, target: str = "mnist59") -> Any:
    """The four strategies at one budget, from the real source and from the shuffled control."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.2), sharey=True)
    for ax, source in zip(axes, ("mnist04", "shuffled"), strict=True):
        table = budget_table(target, source)
        for i, strategy in enumerate(STRATEGIES):
            e = table[strategy]
            k = e["n"].index(n_per_class)
            ax.bar(i, e["mean"][k], color=COLORS[strategy])
            ax.errorbar(i, e["mean"][k], yerr=[[e["mean"][k] - e["low"][k]],
                                               [e["high"][k] - e["mean"][k]]], color="black",
                        capsize=3)
            ax.text(i, 0.03, f"{e['mean'][k]:.2f}", ha="center", color="white", fontsize=9)
        ax.set_xticks(range(4), labels=[strategy_label(s, short=True) for s in STRATEGIES],
                      fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(_("source: {source}").format(source=source_label(source)), fontsize=10)
    axes[0].set_ylabel(_("test accuracy, {count} labels/class").format(count=n_per_class))
    fig.tight_layout()
    return fig


def budget_alt(n_per_class: int, target: str = "mnist59") -> str:
    """Alt text of :func:`budget_figure`: the numbers it shows."""
    parts = []
    for source in ("mnist04", "shuffled"):
        table = budget_table(target, source)
        values = ", ".join(f"{strategy_label(s, short=True)} "
                           f"{table[s]['mean'][table[s]['n'].index(n_per_class)]:.2f}"
                           for s in STRATEGIES)
        parts.append(_("source {source}: {values}").format(source=source_label(source),
                                                            values=values))
    return _("Mean test accuracy with {count} labels per class; {sources}.").format(
        count=n_per_class, sources="; ".join(parts))
