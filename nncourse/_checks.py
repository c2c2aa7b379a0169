"""Input validation shared by the whole package: clear errors, scikit-learn style.

Every message says what was expected, what came, and how to fix it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np


def as_float_array(x: Any, name: str, ndim: int | Iterable[int] | None = None,
                   allow_nan: bool = False) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, or raise a helpful error.

    Args:
        x: array-like input.
        name: what the caller calls it (used in messages), e.g. ``"x"``.
        ndim: required number of dimensions (an int or a collection of ints).
        allow_nan: accept NaN / inf values.

    Raises:
        TypeError: not numeric (strings, objects, complex).
        ValueError: wrong number of dimensions, or NaN/inf present.
    """
    arr = np.asarray(x)
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(
            f"{name} must be a numeric array; got dtype {arr.dtype} ({type(x).__name__}). "
            f"Convert it with np.asarray({name}, dtype=np.float64)."
        )
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must be real-valued; got complex dtype {arr.dtype}.")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(
                f"{name} must be {want}; got a {arr.ndim}-D array of shape {arr.shape}. "
                + ("Add a batch dimension with x[None] or x.reshape(1, -1)."
                   if arr.ndim + 1 in allowed else "Reshape it before passing it in.")
            )
    if not allow_nan and arr.size and not np.all(np.isfinite(arr)):
        bad = int(np.size(arr) - np.count_nonzero(np.isfinite(arr)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s). Check the data pipeline "
            f"or lower the learning rate if training diverged."
        )
    return arr


def check_positive(value: Any, name: str, allow_zero: bool = False, hint: str = "") -> float:
    """Return ``value`` as a float if it is finite and > 0 (or >= 0), else raise.

    Raises:
        TypeError: not a real number (NumPy scalars are fine). ValueError: out of range.
    """
    return check_number(value, name, low=0.0, low_open=not allow_zero, hint=hint)


def check_choice(value: Any, name: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ValueError listing them."""
    choices = list(choices)
    try:
        known = value in choices
    except TypeError:  # an unhashable or uncomparable value
        known = False
    if not known:
        expected = ", ".join(map(repr, choices))
        raise ValueError(f"Unknown {name} {value!r}. Expected one of: {expected}.")
    return value


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ValueError if two arrays differ in shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {np.shape(a)} and {np.shape(b)}."
        )


def _is_real_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(
        value, (int, float, np.integer, np.floating))


def check_int(value: Any, name: str, minimum: int | None = 1, maximum: int | None = None,
              hint: str = "") -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[minimum, maximum]``.

    NumPy integers (``np.int64(3)``) are accepted; ``bool`` and floats (even ``3.0``) are not,
    as in ``torch.nn``.

    Args:
        value: the candidate.
        name: what the caller calls it, e.g. ``"batch_size"``.
        minimum, maximum: inclusive bounds (None: unbounded).
        hint: a sentence on how to fix a bad value (a default one is given).

    Raises:
        TypeError: not an integer. ValueError: out of range.

    Example:
        >>> check_int(np.int64(32), "batch_size")
        32
    """
    bounds = (f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]") \
        if minimum is not None else (f"<= {maximum}" if maximum is not None else "")
    want = f"an integer {bounds}".rstrip()
    fix = f" {hint}" if hint else ""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        example = " Pass a whole number (a Python int or a NumPy integer)."
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            example = f" Write {int(value)} instead of {value!r}."
        raise TypeError(f"{name} must be {want}; got {type(value).__name__} {value!r}."
                        f"{example}{fix}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {want}; got {value}.{fix or ' Pass a value in range.'}")
    return value


def check_number(value: Any, name: str, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False, hint: str = "") -> float:
    """Return ``value`` as a ``float`` if it is a finite real number in the given interval.

    Python and NumPy scalars (``np.float64(0.1)``, ``np.int64(1)``) are accepted; bool,
    strings, arrays, NaN and inf are not.

    Args:
        value: the candidate.
        name: what the caller calls it.
        low, high: bounds (None: unbounded); ``low_open``/``high_open`` exclude them.
        hint: a sentence on how to fix a bad value.

    Raises:
        TypeError: not a real number. ValueError: NaN, inf or out of the interval.

    Example:
        >>> check_number(np.float64(0.5), "p", 0, 1)
        0.5
    """
    left = "(" if low_open else "["
    right = ")" if high_open else "]"
    if low is None and high is None:
        bound = ""
    elif high is None:
        bound = f"{'>' if low_open else '>='} {low:g}"
    elif low is None:
        bound = f"{'<' if high_open else '<='} {high:g}"
    else:
        bound = f"in {left}{low:g}, {high:g}{right}"
    fix = f" {hint}" if hint else ""
    if not _is_real_number(value):
        raise TypeError(f"{name} must be a number{' ' + bound if bound else ''}; got "
                        f"{type(value).__name__} {value!r}.{fix}")
    number = float(value)
    ok = math.isfinite(number)
    if ok and low is not None:
        ok = number > low if low_open else number >= low
    if ok and high is not None:
        ok = number < high if high_open else number <= high
    if not ok:
        finite = "" if math.isfinite(number) else " and finite"
        raise ValueError(f"{name} must be {bound or 'finite'}{finite if bound else ''}; got "
                         f"{number!r}.{fix or ' Pass a value in range.'}")
    return number


def check_seed(seed: Any, name: str = "seed", allow_none: bool = True,
               hint: str | None = None) -> int | None:
    """Return a seed as an ``int`` in ``[0, 2**32 - 1]`` (or None), else raise.

    The range is NumPy's and scikit-learn's, so a seed that passes here never reaches
    their own (less helpful) error.

    Example:
        >>> check_seed(np.int64(7))
        7
    """
    if seed is None and allow_none:
        return None
    if hint is None:
        hint = "Use a non-negative integer such as 0" + (
            " (or None for fresh randomness)." if allow_none else ".")
    return check_int(seed, name, 0, 2**32 - 1, hint=hint)


def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (or ``np.bool_``), else raise TypeError."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False; got {type(value).__name__} {value!r}.")
    return bool(value)


def check_betas(betas: Any) -> tuple[float, float]:
    """``(beta1, beta2)`` as floats, each in [0, 1), or a clear error (Adam, AdamW).

    Example:
        >>> check_betas((0.9, np.float64(0.999)))
        (0.9, 0.999)
    """
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list, np.ndarray)):
        raise TypeError(f"betas must be a pair (beta1, beta2) such as (0.9, 0.999); got "
                        f"{type(betas).__name__} {betas!r}.")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2) such as (0.9, 0.999); got "
                         f"{len(betas)} value(s): {tuple(betas)!r}.")
    return tuple(check_number(b, f"betas[{i}]", 0, 1, high_open=True,  # type: ignore[return-value]
                              hint="Typical values are 0.9 and 0.999.")
                 for i, b in enumerate(betas))


def check_optimizer_owns(optimizer_params: Iterable[Any], model_params: Iterable[Any],
                         where: str = "fit") -> None:
    """Raise ValueError if an optimizer updates none of the model's parameters.

    An optimizer built on another model's parameters trains nothing, silently: every
    step updates the other model. Compared by identity, so it works for NumPy
    Parameters and torch tensors alike.

    Args:
        optimizer_params: what the optimizer updates (NumPy ``optimizer.params``; torch
            ``[p for g in optimizer.param_groups for p in g["params"]]``).
        model_params: ``model.parameters()``.
        where: the caller's name, for the message.

    Example:
        >>> check_optimizer_owns(optimizer.params, model.parameters())
    """
    owned = {id(p) for p in optimizer_params}
    model_ids = [id(p) for p in model_params]
    if model_ids and not owned.intersection(model_ids):
        raise ValueError(
            f"{where}: the optimizer updates none of the model's {len(model_ids)} parameters, "
            f"so training would change nothing. Build it on this model: "
            f"optimizer = Adam(model.parameters()).")


def check_batch(x: Any, name: str = "x") -> None:
    """Raise ValueError if a batch has no samples (a loss or a batch statistic of 0 samples
    is NaN).

    Example:
        >>> check_batch(np.zeros((0, 3)))
        Traceback (most recent call last):
        ValueError: x is an empty batch (shape (0, 3)); ...
    """
    shape = tuple(getattr(x, "shape", np.shape(x)))
    if len(shape) == 0 or shape[0] == 0:
        raise ValueError(f"{name} is an empty batch (shape {shape}); a batch needs at least one "
                         f"sample. Check the data split or the batch slicing.")


def check_grad_out(grad_out: Any, expected: tuple[int, ...], where: str) -> None:
    """Raise ValueError unless ``grad_out`` has the shape of the forward output.

    An element-wise backward would otherwise broadcast a wrong shape ((1, 3) against
    (4, 3)) into a wrong gradient without a word.

    Args:
        grad_out: dL/d(output) passed to ``backward``.
        expected: the shape the forward pass returned.
        where: e.g. ``"ReLU.backward"``.
    """
    shape = tuple(np.shape(grad_out))
    if shape != tuple(expected):
        raise ValueError(f"{where} expected grad_out of shape {tuple(expected)} (the shape of "
                         f"the forward output); got {shape}. Pass dL/d(output) with exactly "
                         f"the output's shape.")


def check_dim(dim: int, ndim: int, name: str, shape: tuple[int, ...]) -> int:
    """``dim`` as a non-negative axis of an ``ndim``-D input, or a ValueError (no wrapping).

    Example:
        >>> check_dim(-1, 3, "end_dim", (2, 3, 4))
        2
    """
    if not -ndim <= dim < ndim:
        raise ValueError(f"{name} must be in [{-ndim}, {ndim - 1}] for a {ndim}-D input of "
                         f"shape {tuple(shape)}; got {dim}. Count axes from 0 (the batch axis).")
    return dim % ndim


def check_float_dtype(dtype: Any, name: str = "dtype") -> np.dtype:
    """A floating NumPy dtype (float16/32/64), or a TypeError naming the choices."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.kind != "f":
        raise TypeError(f"{name} must be a floating dtype (np.float32 or np.float64); got "
                        f"{dtype!r}. Parameters hold real numbers that gradients update.")
    return resolved


def check_batchnorm_batches(n_samples: int, batch_size: int, modules: Iterable[Any],
                            where: str = "fit") -> None:
    """Raise ValueError if a batch of exactly 1 sample would reach a BatchNorm layer in training.

    With ``n_samples % batch_size == 1`` the last batch has one sample, which batch norm
    cannot normalise (no variance); the layer would fail mid-epoch without saying why.

    Args:
        n_samples: training set size. batch_size: samples per step.
        modules: every module of the model (torch ``model.modules()``, or NumPy layers).
        where: the caller's name, for the message.
    """
    has_batchnorm = any(type(m).__name__.startswith("BatchNorm") for m in modules)
    if not has_batchnorm:
        return
    if batch_size == 1 or n_samples == 1 or n_samples % batch_size == 1:
        size = 1 if batch_size == 1 or n_samples == 1 else n_samples % batch_size
        raise ValueError(
            f"{where}: the model has a BatchNorm layer, which needs at least 2 samples per batch "
            f"in training, but {n_samples} samples in batches of {batch_size} give a batch of "
            f"{size}. Pick a batch_size that leaves no single sample (e.g. {batch_size + 1}), "
            f"or drop one training sample.")


def check_batchnorm_arguments(num_features: Any, eps: Any, momentum: Any,
                              affine: Any) -> tuple[int, float, float | None, bool]:
    """Validated ``(num_features, eps, momentum, affine)`` of a BatchNorm1d (both twins).

    Example:
        >>> check_batchnorm_arguments(4, 1e-5, None, True)
        (4, 1e-05, None, True)
    """
    num_features = check_int(num_features, "num_features")
    eps = check_positive(eps, "eps", hint="A typical value is 1e-5.")
    if momentum is not None:
        momentum = check_number(momentum, "momentum", 0, 1,
                                hint="Use a number such as 0.1, or None for a cumulative average.")
    return num_features, eps, momentum, check_bool(affine, "affine")


def as_input(x: Any, name: str = "x") -> np.ndarray:
    """``x`` unchanged if it is already a floating array (no copy, no scan), else converted.

    Strings, objects and complex numbers raise TypeError (via ``as_float_array``).
    NaN is not scanned for here: :class:`~nncourse.numpy.layers.Sequential` checks the model
    input once.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f":
        return x
    return as_float_array(x, name, allow_nan=True)


def check_finite(x: np.ndarray, name: str) -> None:
    """Raise ValueError if ``x`` has NaN/inf; one cheap sum first, a full scan only if needed."""
    with np.errstate(over="ignore", invalid="ignore"):
        total = x.sum()
    # inf - inf and NaN both make the sum non-finite; a finite sum means every value is finite
    # except in the (rare) overflow case, which the exact scan below settles.
    if not np.isfinite(total):
        as_float_array(x, name)


def not_ready(layer: Any) -> RuntimeError:
    """The error for ``backward`` called before ``forward`` (a NumPy layer)."""
    return RuntimeError(f"{type(layer).__name__}.backward was called before forward. "
                        f"Run the forward pass (out = layer(x)) first, then backward(grad_out).")


def check_sequential_layers(model: Any, where: str) -> list[Any]:
    """The layers of a Sequential (NumPy or torch), or a clear error for anything else.

    Args:
        model: a model that has ``parameters()`` and iterates over its layers.
        where: the caller's name, for the message.

    Raises:
        TypeError: not a Sequential. ValueError: a Sequential without layers.
    """
    try:
        if not hasattr(model, "parameters"):
            raise TypeError
        layers = list(model)
    except TypeError:
        raise TypeError(f"{where} needs a Sequential (an iterable of layers); got "
                        f"{type(model).__name__}. Wrap the layers: Sequential(...).") from None
    if not layers:
        raise ValueError(f"{where} got a Sequential without layers.")
    return layers


#: How a loss turns per-sample losses into what it returns (torch's ``reduction=``).
REDUCTIONS = ("mean", "sum", "none")


def check_cross_entropy_options(ignore_index: Any, reduction: Any) -> tuple[int, str]:
    """``(ignore_index, reduction)`` of a cross-entropy, checked (both backends)."""
    ignore_index = check_int(ignore_index, "ignore_index", minimum=None,
                             hint="torch's default is -100 (no class is ignored).")
    return ignore_index, check_choice(reduction, "reduction", REDUCTIONS)


def check_class_weight(weight: Any, classes: int) -> np.ndarray:
    """A cross-entropy's per-class ``weight``: ``classes`` finite numbers >= 0, as float64."""
    values = as_float_array(weight, "weight", ndim=1)
    if values.shape != (classes,):
        raise ValueError(f"weight must hold one number per class, shape ({classes},); got shape "
                         f"{values.shape}. Pass e.g. np.ones({classes}).")
    if np.any(values < 0):
        raise ValueError(f"weight must be >= 0 (how much each class counts); got "
                         f"{values.min()}.")
    return values


def check_loss_reduction(reduction: Any) -> str:
    """A loss's ``reduction``: "mean", "sum" or "none" (both backends)."""
    return check_choice(reduction, "reduction", REDUCTIONS)


def check_broadcast_weight(weight: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    """A BCE ``weight``/``pos_weight``: finite numbers >= 0 that broadcast to ``shape``.

    Example:
        >>> check_broadcast_weight([1.0, 3.0], (4, 2), "pos_weight")
        array([1., 3.])
    """
    values = as_float_array(weight, name)
    try:
        fits = np.broadcast_shapes(values.shape, tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        last = shape[-1] if shape else 1
        raise ValueError(f"{name} must broadcast to the logits' shape {tuple(shape)}; got shape "
                         f"{values.shape}. Pass one number, or one per output column ({last},).")
    if np.any(values < 0):
        raise ValueError(f"{name} must be >= 0 (how much an entry counts); got {values.min()}.")
    return values


def check_norm_type(norm_type: Any) -> float:
    """A p-norm's ``p``: a number > 0, or ``math.inf`` (the largest absolute entry)."""
    if _is_real_number(norm_type) and float(norm_type) == math.inf:
        return math.inf
    return check_number(norm_type, "norm_type", 0, low_open=True,
                        hint="Use 2.0 (Euclidean) or math.inf (largest entry).")
