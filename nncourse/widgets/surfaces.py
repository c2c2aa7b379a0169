"""2-D loss surfaces (value, gradient, Hessian) and optimizers run on them.

The optimizers are the course's own (:mod:`nncourse.numpy.optim`): a surface point is a
:class:`~nncourse.numpy.module.Parameter` wrapping a 2-vector, exactly as a network weight
would be, so what the explorers show is what the library does.

Example:
    >>> surface = get_surface("ill_conditioned")
    >>> run = optimize(surface, "momentum", lr=0.03, start=(-1.8, 0.8), steps=50)
    >>> run["losses"][-1] < run["losses"][0]
    True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nncourse._checks import check_choice, check_int, check_positive
from nncourse.i18n import _, current_language
from nncourse.numpy.module import Parameter
from nncourse.numpy.optim import SGD, Adam, RMSprop

__all__ = ["Surface", "SURFACES", "OPTIMIZERS", "get_surface", "surface_options", "quadratic",
           "build_optimizer", "optimize", "stable_learning_rate"]

Array = np.ndarray


@dataclass
class Surface:
    """A differentiable function of two variables with what a plot needs.

    Attributes:
        name: key in :data:`SURFACES`.
        title: a readable description, in the language current when the surface was made.
        value: f(x, y) on arrays of any (matching) shape.
        gradient: point (2,) -> gradient (2,).
        hessian: point (2,) -> Hessian (2, 2).
        bounds: (x_min, x_max, y_min, y_max) of the plot.
        start: a default starting point.
        minima: known minimisers (for markers).
        log_levels: contour levels spaced logarithmically (for steep valleys).
    """

    name: str
    title: str
    value: Callable[[Array, Array], Array]
    gradient: Callable[[Array], Array]
    hessian: Callable[[Array], Array]
    bounds: tuple[float, float, float, float]
    start: tuple[float, float]
    minima: list[tuple[float, float]] = field(default_factory=list)
    log_levels: bool = False
    _grid: dict[int, tuple[Array, Array, Array]] = field(default_factory=dict, repr=False)

    def __call__(self, point: Sequence[float]) -> float:
        """f at one point (x, y)."""
        return float(self.value(np.float64(point[0]), np.float64(point[1])))

    def grid(self, resolution: int = 60) -> tuple[Array, Array, Array]:
        """(xx, yy, zz) on a resolution x resolution grid over ``bounds`` (cached)."""
        if resolution not in self._grid:
            x_min, x_max, y_min, y_max = self.bounds
            xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution),
                                 np.linspace(y_min, y_max, resolution))
            self._grid[resolution] = (xx, yy, self.value(xx, yy))
        return self._grid[resolution]

    def min_value(self) -> float:
        """The lowest known minimum value f* (so plots can show the gap f - f*)."""
        return min((self(m) for m in self.minima), default=0.0)

    def max_curvature(self, point: Sequence[float] | None = None) -> float:
        """Largest Hessian eigenvalue L at ``point`` (default: the start); GD needs lr < 2/L."""
        point = np.asarray(self.start if point is None else point, dtype=float)
        return float(np.linalg.eigvalsh(self.hessian(point)).max())


def quadratic(curvatures: Sequence[float] = (1.0, 1.0), name: str = "quadratic",
              title: str | None = None, start: tuple[float, float] = (1.5, 1.5),
              bounds: tuple[float, float, float, float] = (-2.0, 2.0, -2.0, 2.0)) -> Surface:
    """f(x, y) = (a x^2 + b y^2) / 2: curvature a along x and b along y (the Hessian's diagonal).

    Args:
        curvatures: (a, b), each > 0.

    Example:
        >>> quadratic((1.0, 20.0)).max_curvature()
        20.0
    """
    a, b = (check_positive(c, "curvature") for c in curvatures)
    return Surface(
        name=name, title=title or _("quadratic, curvatures {a:g} and {b:g}").format(a=a, b=b),
        value=lambda x, y: 0.5 * (a * x * x + b * y * y),
        gradient=lambda p: np.array([a * p[0], b * p[1]]),
        hessian=lambda p: np.diag([a, b]).astype(float),
        bounds=bounds, start=start, minima=[(0.0, 0.0)])


def _rosenbrock() -> Surface:
    # (1 - x)^2 + 100 (y - x^2)^2: a curved, narrow valley; minimum at (1, 1).
    return Surface(
        name="rosenbrock", title=_("Rosenbrock: a curved narrow valley"),
        value=lambda x, y: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        gradient=lambda p: np.array([-2 * (1 - p[0]) - 400 * p[0] * (p[1] - p[0] ** 2),
                                     200 * (p[1] - p[0] ** 2)]),
        hessian=lambda p: np.array([[2 - 400 * p[1] + 1200 * p[0] ** 2, -400 * p[0]],
                                    [-400 * p[0], 200.0]]),
        bounds=(-2.0, 2.0, -1.0, 3.0), start=(-1.5, 2.0), minima=[(1.0, 1.0)], log_levels=True)


def _saddle() -> Surface:
    # x^2/2 - y^2/2 + y^4/8: a saddle at the origin, minima where y^2 = 2.
    return Surface(
        name="saddle", title=_("saddle point at the origin between two valleys"),
        value=lambda x, y: 0.5 * x * x - 0.5 * y * y + 0.125 * y ** 4,
        gradient=lambda p: np.array([p[0], -p[1] + 0.5 * p[1] ** 3]),
        hessian=lambda p: np.array([[1.0, 0.0], [0.0, -1 + 1.5 * p[1] ** 2]]),
        bounds=(-2.5, 2.5, -2.8, 2.8), start=(2.0, 0.01),
        minima=[(0.0, -np.sqrt(2.0)), (0.0, np.sqrt(2.0))])


def _two_minima() -> Surface:
    # (x^2 - 1)^2 + y^2/2 + x/4: a local minimum near x = 0.97, the global one near -1.03
    # (the outer roots of f'(x) = 4x^3 - 4x + 1/4).
    return Surface(
        name="two_minima",
        title=_("two minima: a local one (right) and the global one (left)"),
        value=lambda x, y: (x * x - 1) ** 2 + 0.5 * y * y + 0.25 * x,
        gradient=lambda p: np.array([4 * p[0] * (p[0] ** 2 - 1) + 0.25, p[1]]),
        hessian=lambda p: np.array([[12 * p[0] ** 2 - 4, 0.0], [0.0, 1.0]]),
        bounds=(-2.0, 2.0, -2.0, 2.0), start=(1.6, 1.5),
        minima=[(float(r), 0.0) for r in np.roots([4.0, 0.0, -4.0, 0.25]) if abs(r) > 0.5])


#: name -> factory; a factory runs when the surface is first asked for (titles are translated
#: then, in the current language)
SURFACES: dict[str, Callable[[], Surface]] = {
    "bowl": lambda: quadratic((1.0, 1.0), "bowl", _("round bowl (curvature 1)")),
    "ill_conditioned": lambda: quadratic((1.0, 20.0), "ill_conditioned",
                                         _("ill-conditioned bowl (curvatures 1 and 20)"),
                                         start=(-1.8, 0.8), bounds=(-2.0, 2.0, -1.0, 1.0)),
    "narrow_valley": lambda: quadratic((0.2, 4.0), "narrow_valley",
                                       _("narrow valley 0.1 w1² + 2 w2² (curvatures 0.2 and 4)"),
                                       start=(-4.0, 1.0), bounds=(-4.5, 4.5, -1.5, 1.5)),
    "rosenbrock": _rosenbrock,
    "saddle": _saddle,
    "two_minima": _two_minima,
}

#: (name, language) -> Surface: one per language, so a language chosen later gets its titles
_CACHE: dict[tuple[str, str], Surface] = {}


def get_surface(name: str) -> Surface:
    """The named surface (cached, so its contour grid is computed once per language)."""
    check_choice(name, "surface", SURFACES)
    key = (name, current_language())
    if key not in _CACHE:
        _CACHE[key] = SURFACES[name]()
    return _CACHE[key]


def surface_options() -> list[tuple[str, str]]:
    """``(label, name)`` of every surface for a dropdown, labels in the current language."""
    labels = {"bowl": _("round bowl"), "ill_conditioned": _("ill-conditioned bowl"),
              "narrow_valley": _("narrow valley"), "rosenbrock": _("Rosenbrock valley"),
              "saddle": _("saddle point"), "two_minima": _("two minima")}
    return [(labels.get(name, name), name) for name in SURFACES]


OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adam")


def build_optimizer(name: str, params: list[Parameter], lr: float, momentum: float = 0.9,
                    alpha: float = 0.99, beta1: float = 0.9, beta2: float = 0.999) -> Any:
    """An optimizer from :mod:`nncourse.numpy.optim` by short name.

    Args:
        name: "sgd", "momentum" (SGD with momentum), "nesterov", "rmsprop" or "adam".
        params: the parameters.
        lr: learning rate (> 0).
        momentum: for "momentum" / "nesterov".
        alpha: RMSprop's squared-gradient average.
        beta1, beta2: Adam's moment averages.
    """
    check_choice(name, "optimizer", OPTIMIZERS)
    check_positive(lr, "learning rate")
    if name == "sgd":
        return SGD(params, lr=lr)
    if name in ("momentum", "nesterov"):
        return SGD(params, lr=lr, momentum=momentum, nesterov=name == "nesterov")
    if name == "rmsprop":
        return RMSprop(params, lr=lr, alpha=alpha)
    return Adam(params, lr=lr, betas=(beta1, beta2))


def optimize(surface: Surface | str, optimizer: str = "sgd", lr: float = 0.1,
             start: Sequence[float] | None = None, steps: int = 50,
             **hyperparameters: float) -> dict[str, Any]:
    """Run an optimizer on a surface and record the path.

    Divergence is a result, not an error: the run stops as soon as the point or the loss
    blows up (non-finite, or far outside the plot), and ``diverged_at`` says when.

    Args:
        surface: a Surface or its name.
        optimizer: see :func:`build_optimizer`; hyperparameters go through to it.
        lr: learning rate (> 0).
        start: (x, y); default the surface's own start.
        steps: number of updates (>= 1).

    Returns:
        dict with "path" (K+1, 2), "losses" (K+1,), "diverged" (bool), "diverged_at"
        (step or None), "steps" (requested), "optimizer", "lr".

    Example:
        >>> optimize("bowl", lr=2.5, steps=30)["diverged"]
        True
    """
    surface = get_surface(surface) if isinstance(surface, str) else surface
    steps = check_int(steps, "steps")
    point = Parameter(np.asarray(surface.start if start is None else start, dtype=float))
    if point.shape != (2,):
        raise ValueError(f"start must be a point (x, y); got shape {point.shape}.")
    opt = build_optimizer(optimizer, [point], lr, **hyperparameters)
    x_min, x_max, y_min, y_max = surface.bounds
    limit = 1e3 * max(x_max - x_min, y_max - y_min)
    path = [point.data.copy()]
    losses = [surface(point.data)]
    diverged_at = None
    with np.errstate(all="ignore"):  # overflow is detected below and reported, not raised
        for step in range(1, steps + 1):
            point.grad[...] = surface.gradient(point.data)
            opt.step()
            loss = surface(point.data)
            path.append(point.data.copy())
            losses.append(loss)
            if not (np.all(np.isfinite(point.data)) and np.isfinite(loss)) \
                    or np.abs(point.data).max() > limit:
                diverged_at = step
                break
    return {"path": np.array(path), "losses": np.array(losses), "diverged": diverged_at is not None,
            "diverged_at": diverged_at, "steps": steps, "optimizer": optimizer, "lr": float(lr)}


def stable_learning_rate(surface: Surface | str, point: Sequence[float] | None = None) -> float:
    """2/L: plain gradient descent's stability limit from the largest curvature L at ``point``."""
    surface = get_surface(surface) if isinstance(surface, str) else surface
    curvature = surface.max_curvature(point)
    return 2.0 / curvature if curvature > 0 else float("inf")
