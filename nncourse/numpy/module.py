"""Parameters and the base class every NumPy layer derives from.

A layer owns :class:`Parameter` objects (an array plus its gradient). ``forward``
keeps in ``self.cache`` what ``backward`` needs; ``backward`` fills ``param.grad``
and returns the gradient with respect to the layer's input.

Parameter names and layouts follow PyTorch (``weight`` is ``(out_features,
in_features)``, a Sequential names its children ``"0"``, ``"1"``, ...), so a
``state_dict`` copies into the torch twin without transposes.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from nncourse._checks import as_float_array

__all__ = ["Parameter", "Module"]


class Parameter:
    """A trainable array and the gradient of the loss with respect to it.

    Args:
        data: the initial values (copied, cast to float64 unless already floating).

    Example:
        >>> p = Parameter(np.zeros((2, 3)))
        >>> p.shape, p.grad.shape
        ((2, 3), (2, 3))
    """

    def __init__(self, data: np.ndarray) -> None:
        # numbers only, ints and bools cast to float64 (strings would fail deep inside NumPy)
        kind = np.asarray(data).dtype.kind
        if kind not in "biuf":
            raise TypeError(f"Parameter(data) needs real numbers; got dtype "
                            f"{np.asarray(data).dtype}. Pass a float array such as "
                            "np.zeros((3, 2)).")
        self.data = np.array(as_float_array(data, "data", allow_nan=True), copy=True)
        self.grad = np.zeros_like(data)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        """Reset the gradient to zeros (in place, so optimizers keep their reference)."""
        self.grad[...] = 0.0

    def __repr__(self) -> str:
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class: train/eval mode, named parameters, state dicts.

    Subclasses implement ``forward(x)`` and ``backward(grad_out)``, keep their
    parameters as :class:`Parameter` attributes and child layers as ``Module``
    attributes; the rest (parameters, state_dict, train/eval) is found here.
    """

    training: bool = True

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.forward is not implemented")

    def backward(self, grad_out: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__}.backward is not implemented")

    # --- structure -------------------------------------------------------
    def children(self) -> Iterator[tuple[str, Module]]:
        """Direct sub-modules as ``(name, module)`` in definition order."""
        for name, value in vars(self).items():
            if isinstance(value, Module):
                yield name, value

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """All parameters, recursively, with dotted names as in PyTorch (``"0.weight"``)."""
        for name, value in vars(self).items():
            if isinstance(value, Parameter):
                yield prefix + name, value
        for name, child in self.children():
            yield from child.named_parameters(prefix + name + ".")

    def parameters(self) -> list[Parameter]:
        """All parameters as a list (what an optimizer takes)."""
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix: str = "") -> Iterator[tuple[str, np.ndarray]]:
        """Non-trainable state saved in a state_dict (e.g. BatchNorm running stats)."""
        for name in getattr(self, "_buffers", ()):
            yield prefix + name, getattr(self, name)
        for name, child in self.children():
            yield from child.named_buffers(prefix + name + ".")

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    # --- modes -----------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Switch this module and every child to training (or evaluation) mode."""
        self.training = mode
        for _, child in self.children():
            child.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: dropout off, batch norm uses its running statistics."""
        return self.train(False)

    # --- saving ----------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, keyed by dotted name."""
        state = {name: p.data.copy() for name, p in self.named_parameters()}
        state.update({name: np.array(b, copy=True) for name, b in self.named_buffers()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy values in place from ``state``; names and shapes must match exactly.

        Raises:
            KeyError: a name is missing or unexpected (both lists are in the message).
            ValueError: a shape differs.
        """
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        expected = set(params) | set(buffers)
        missing, unexpected = expected - set(state), set(state) - expected
        if missing or unexpected:
            raise KeyError(
                f"load_state_dict: names do not match. Missing: {sorted(missing)}; "
                f"unexpected: {sorted(unexpected)}. Build the same architecture before loading."
            )
        for name, value in state.items():
            value = np.asarray(value)
            if value.dtype == object or not (np.issubdtype(value.dtype, np.number)
                                             or value.dtype == bool):
                raise TypeError(f"load_state_dict: '{name}' must hold numbers; got dtype "
                                f"{value.dtype}. Load a dict made by state_dict() (or "
                                "np.load of one), not text.")
            target = params[name].data if name in params else buffers[name]
            if target.shape != value.shape:
                raise ValueError(
                    f"load_state_dict: '{name}' expected shape {target.shape}, got {value.shape}."
                )
            target[...] = value

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"  ({name}): {child!r}".replace("\n", "\n  ") for name, child in children]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
